package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/oncall"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/web/whatif"
)

// serveFlags are serve's command-line settings.
type serveFlags struct {
	config    string
	listen    string
	store     string
	logLevel  string
	logFormat string
	record    string
	testing   testingFlags
}

func serve(args []string, stdout, stderr io.Writer, getenv env) int {
	var f serveFlags
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&f.config, "config", "", "configuration `FILE` (required)")
	fs.StringVar(&f.listen, "listen", "", "listen `ADDR`, overriding server.listen")
	fs.StringVar(&f.store, "store", "", "state store, memory or redis, overriding store.backend")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&f.record, "record", "", "append every accepted webhook to `FILE` (JSON Lines) for alertgate replay")
	f.testing.register(fs)
	if code := parseFlagsOnly(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if f.config == "" {
		fmt.Fprintln(stderr, "alertgate serve: --config is required")
		return exitUsage
	}
	cfg, err := f.load(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFinding
	}
	if err := runServer(cfg, &f, getenv, log); err != nil {
		log.Error("alertgate stopped", "err", err)
		return exitFinding
	}
	return exitOK
}

// load reads the configuration and applies flag overrides.
func (f *serveFlags) load(getenv env) (*config.Config, error) {
	cfg, err := config.LoadFile(f.config, config.Getenv(getenv))
	if err != nil {
		return nil, err
	}
	if f.listen != "" {
		cfg.Server.Listen = f.listen
	}
	if f.store != "" {
		cfg.Store.Backend = f.store
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

func runServer(cfg *config.Config, f *serveFlags, getenv env, log *slog.Logger) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st, err := openStore(cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if rt, ok := st.(interface{ RoundTrips() uint64 }); ok {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "alertgate_store_round_trips_total",
			Help: "Round trips to Redis (a pipeline or script call counts as one).",
		}, func() float64 { return float64(rt.RoundTrips()) }))
	}
	host, _ := os.Hostname()
	// The outbox consumer is this process: two replicas on one host must
	// not share a name, or Redis cannot tell their pending entries apart.
	consumer := fmt.Sprintf("%s-%d", host, os.Getpid())
	hooks, err := testingHooks(&f.testing, log)
	if err != nil {
		return err
	}
	var recorder router.Recorder
	if f.record != "" {
		rf, err := os.OpenFile(f.record, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		defer rf.Close()
		recorder = replay.NewRecorder(rf)
		log.Info("recording accepted webhooks", "file", f.record)
	}
	oc, err := oncall.New(cfg)
	if err != nil {
		return err
	}
	enricher, err := newEnricher(cfg, st, oc, hooks.now, log, reg)
	if err != nil {
		return err
	}
	engine, err := pipeline.New(cfg, pipeline.Options{
		Store:      st,
		Enricher:   enricher,
		Muters:     []pipeline.Muter{enricher},
		Impacter:   enricher,
		Registerer: reg,
		Logger:     log,
		Now:        hooks.now,
		Consumer:   consumer,
	})
	if err != nil {
		return err
	}
	auditLog, err := audit.New(log, cfg.Server.Console.AuditLog)
	if err != nil {
		return err
	}
	defer auditLog.Close()
	rt, err := router.New(router.Options{
		Config:      cfg,
		Engine:      engine,
		Store:       st,
		Registry:    reg,
		Logger:      log,
		Now:         hooks.now,
		HTTPClient:  hooks.sns,
		Roots:       hooks.snsRoots,
		Recorder:    recorder,
		WhatIf:      &whatif.Runner{NewGate: replayGate, RecordFile: f.record, MaxRecording: 8 * cfg.Server.Console.MaxUploadBytes},
		Audit:       auditLog,
		OnCall:      oc,
		Describer:   enricher,
		Reloadables: []router.Reloadable{enricher, oc},
		Load:        func(context.Context) (*config.Config, error) { return f.load(getenv) },
	})
	if err != nil {
		return err
	}
	handler := rt.Handler()
	if hooks.wrap != nil {
		handler = hooks.wrap(handler, cfg.Server.AdminToken)
	}
	srv := &http.Server{
		Addr:              cfg.Server.Listen,
		Handler:           handler,
		ReadHeaderTimeout: time.Duration(cfg.Server.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(cfg.Server.ReadTimeout),
		WriteTimeout:      time.Duration(cfg.Server.WriteTimeout),
		IdleTimeout:       time.Duration(cfg.Server.IdleTimeout),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if ops := rt.OpsHandler(); ops != nil {
		opsLn, err := net.Listen("tcp", cfg.Server.OpsListen)
		if err != nil {
			return fmt.Errorf("listen on server.ops_listen: %w", err)
		}
		opsSrv := &http.Server{Handler: ops, ReadHeaderTimeout: srv.ReadHeaderTimeout, ReadTimeout: srv.ReadTimeout, WriteTimeout: srv.WriteTimeout, IdleTimeout: srv.IdleTimeout}
		go func() { _ = opsSrv.Serve(opsLn) }()
		defer opsSrv.Close()
		log.Info("metrics and health on a separate listener", "addr", opsLn.Addr().String())
	}
	log.Info("alertgate listening", "addr", ln.Addr().String(), "version", version, "store", cfg.Store.Backend, "dry_run", cfg.Notify.DryRun)
	return supervise(srv, ln, rt, time.Duration(cfg.Server.ShutdownTimeout), log)
}

// supervise serves until SIGTERM or SIGINT, reloading on SIGHUP, then
// shuts down in order: stop being ready, finish in-flight requests, stop
// the background stages, and drain the outbox within the shutdown timeout.
func supervise(srv *http.Server, ln net.Listener, rt *router.Router, grace time.Duration, log *slog.Logger) error {
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	drainCtx, stopDrain := context.WithCancel(context.Background())
	defer stopDrain()
	done := make(chan struct{})
	go func() { rt.Run(runCtx, drainCtx); close(done) }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for {
		select {
		case err := <-serveErr:
			return fmt.Errorf("http server: %w", err)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				_ = rt.ReloadNow(context.Background()) // logged by the router
				continue
			}
			log.Info("shutting down", "signal", sig.String(), "grace", grace)
			return shutdown(srv, rt, stopRun, drainCtx, stopDrain, done, grace, log)
		}
	}
}

func shutdown(srv *http.Server, rt *router.Router, stopRun context.CancelFunc, drainCtx context.Context, stopDrain context.CancelFunc, done <-chan struct{}, grace time.Duration, log *slog.Logger) error {
	rt.SetReady(false)
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("in-flight requests did not finish in time", "err", err)
	}
	stopRun()
	select {
	case <-done:
	case <-ctx.Done():
		stopDrain()
		<-done
		log.Warn("shutdown grace expired before the outbox drained; undelivered entries stay in the store")
	}
	log.Info("alertgate stopped")
	return nil
}

// hooks are what the end-to-end build (tag e2e, testing.go) replaces:
// the clock, the client that fetches SNS certificates and the roots they
// must chain to, and extra endpoints. The shipped binary has none of them (testing_off.go).
type hooks struct {
	now      func() time.Time
	sns      *http.Client
	snsRoots *x509.CertPool
	wrap     func(h http.Handler, adminToken config.Secret) http.Handler
}

func openStore(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	sc := cfg.Store
	opts := pipeline.StoreOptions(cfg)
	if sc.Backend == "memory" {
		return memory.New(opts), nil
	}
	goredis.SetLogger(redis.Logger(log.With("component", "go-redis")))
	r := sc.Redis
	if len(r.Cluster.Addresses) > 0 {
		// On a cluster, state is split over partitions so that every
		// master takes its share (router/store/redis/partition.go).
		opts.Partitions = cmp.Or(r.Cluster.Partitions, 16)
	}
	client, err := redis.NewClient(redis.Config{
		Address:      r.Address,
		URL:          r.URL.Reveal(),
		Username:     r.Username,
		Password:     r.Password.Reveal(),
		DB:           r.DB,
		TLS:          redis.TLSConfig{Enabled: r.TLS.Enabled, InsecureSkipVerify: r.TLS.InsecureSkipVerify, CAFile: r.TLS.CAFile},
		Sentinel:     redis.SentinelConfig{MasterName: r.Sentinel.MasterName, Addresses: r.Sentinel.Addresses},
		Cluster:      redis.ClusterConfig{Addresses: r.Cluster.Addresses},
		DialTimeout:  time.Duration(r.DialTimeout),
		ReadTimeout:  time.Duration(r.ReadTimeout),
		WriteTimeout: time.Duration(r.WriteTimeout),
		PoolSize:     r.PoolSize,
	})
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	s := redis.New(client, r.Prefix, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		// Fail open: start anyway and deliver without deduplication until
		// Redis answers; go-redis keeps reconnecting.
		log.Warn("redis is unreachable at start; delivering without deduplication until it answers", "err", err)
	}
	return s, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, got %q", format)
}
