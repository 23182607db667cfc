package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// apiFlags locate a running alertgate for the commands that read its
// state (report, postmortem): the admin API, with the admin token from
// ALERTGATE_ADMIN_TOKEN or a file (never a flag: flags show in ps).
type apiFlags struct {
	url       string
	tokenFile string
}

func (a *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.url, "url", "http://localhost:9095", "base `URL` of a running alertgate")
	fs.StringVar(&a.tokenFile, "token-file", "", "read the admin token from `FILE` instead of ALERTGATE_ADMIN_TOKEN")
}

// errNoToken is a usage error: the command cannot run without the admin
// token.
var errNoToken = errors.New("set ALERTGATE_ADMIN_TOKEN or --token-file (the server's server.admin_token)")

// get fetches path from the admin API and copies the body to w.
func (a *apiFlags) get(path string, query url.Values, w io.Writer, getenv env) error {
	b, err := a.call(http.MethodGet, path, query, nil, getenv)
	if err == nil {
		_, err = w.Write(b)
	}
	return err
}

// call sends a request to the admin API and returns the body of a 2xx
// answer; any other answer is an error carrying the API's reason.
func (a *apiFlags) call(method, path string, query url.Values, body []byte, getenv env) ([]byte, error) {
	token, err := a.token(getenv)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimRight(a.url, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	u.RawQuery = query.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking %s: %w", a.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var apiErr struct{ Error, Field string }
		if json.Unmarshal(b, &apiErr) == nil && apiErr.Error != "" {
			if apiErr.Field != "" {
				return nil, fmt.Errorf("%s answered %s: %s: %s", u.Path, resp.Status, apiErr.Field, apiErr.Error)
			}
			return nil, fmt.Errorf("%s answered %s: %s", u.Path, resp.Status, apiErr.Error)
		}
		return nil, fmt.Errorf("%s answered %s: %s", u.Path, resp.Status, strings.TrimSpace(string(b)))
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

func (a *apiFlags) token(getenv env) (string, error) {
	if a.tokenFile != "" {
		b, err := os.ReadFile(a.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if t, ok := getenv("ALERTGATE_ADMIN_TOKEN"); ok && t != "" {
		return t, nil
	}
	return "", errNoToken
}

// apiExit is the exit code of an admin API command that failed with err:
// a missing token is a usage error, anything else a failure of the run.
func apiExit(err error) int {
	if errors.Is(err, errNoToken) {
		return exitUsage
	}
	return exitFinding
}

// report runs `alertgate report [--since 7d] [--format text|markdown|json]`.
func report(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("report", stderr)
	var api apiFlags
	api.register(fs)
	since := fs.String("since", "7d", "report on this far back (7d, 24h) or since an RFC 3339 time")
	format := fs.String("format", "text", "text, markdown or json")
	if code := parseFlagsOnly(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	switch *format {
	case "text", "markdown", "json":
	default:
		fmt.Fprintf(stderr, "alertgate report: --format must be text, markdown or json, got %q\n", *format)
		return exitUsage
	}
	if err := api.get("/api/v1/report", url.Values{"since": {*since}, "format": {*format}}, stdout, getenv); err != nil {
		fmt.Fprintln(stderr, "alertgate report:", err)
		return apiExit(err)
	}
	return exitOK
}

// postmortem runs `alertgate postmortem ID [--lang en|ja]`.
func postmortem(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("postmortem", stderr)
	var api apiFlags
	api.register(fs)
	lang := fs.String("lang", "en", "language of the draft: en or ja")
	id, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, rest = args[0], args[1:]
	}
	if code := parseFlags(fs, rest, stdout, getenv); code >= 0 {
		return code
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		fmt.Fprintln(stderr, "usage: alertgate postmortem ID [--lang en|ja] [--url URL]")
		return exitUsage
	}
	if err := api.get("/api/v1/incidents/"+url.PathEscape(id)+"/postmortem", url.Values{"lang": {*lang}}, stdout, getenv); err != nil {
		fmt.Fprintln(stderr, "alertgate postmortem:", err)
		return apiExit(err)
	}
	return exitOK
}
