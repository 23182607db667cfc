package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/enrich/runbook"
)

// goBuild is a `go build` command line: its environment assignments, its
// arguments after "go build", and the -o output.
type goBuild struct {
	env    map[string]string
	args   []string // without -o and its value
	output string
}

// dockerfileBuild finds the RUN instruction of deploy/Dockerfile that runs
// go build.
func dockerfileBuild(t *testing.T) goBuild {
	t.Helper()
	text := strings.ReplaceAll(string(readFile(t, "Dockerfile")), "\\\n", " ")
	for line := range strings.Lines(text) {
		fields := shellWords(t, line)
		if len(fields) == 0 || fields[0] != "RUN" || !strings.Contains(line, "go build") {
			continue
		}
		fields = fields[1:]
		for len(fields) > 0 && strings.HasPrefix(fields[0], "--") { // --mount=...
			fields = fields[1:]
		}
		return parseGoBuild(t, "Dockerfile", fields)
	}
	t.Fatal("Dockerfile: no RUN instruction runs go build")
	return goBuild{}
}

// makefileBuild finds the build target's recipe in the Makefile, with its
// variables expanded and $(VERSION) written as the Dockerfile's ${VERSION}.
func makefileBuild(t *testing.T) goBuild {
	t.Helper()
	text := string(readFile(t, filepath.Join("..", "Makefile")))
	vars := map[string]string{"VERSION": "${VERSION}", "GO": "go"}
	assign := regexp.MustCompile(`^([A-Z_]+)\s*[:?]?=\s*(.*)$`)
	var recipe string
	inBuild := false
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		if m := assign.FindStringSubmatch(line); m != nil {
			if _, set := vars[m[1]]; !set {
				vars[m[1]] = m[2]
			}
		}
		if strings.HasPrefix(line, "build:") {
			inBuild = true
			continue
		}
		if inBuild && strings.HasPrefix(line, "\t") {
			recipe = strings.TrimSpace(line)
			break
		}
	}
	if recipe == "" {
		t.Fatal("Makefile: no recipe for build")
	}
	ref := regexp.MustCompile(`\$\(([A-Z_]+)\)`)
	for range 3 { // LDFLAGS refers to VERSION
		recipe = ref.ReplaceAllStringFunc(recipe, func(s string) string { return vars[ref.FindStringSubmatch(s)[1]] })
	}
	return parseGoBuild(t, "Makefile", shellWords(t, recipe))
}

// parseGoBuild splits "NAME=VALUE ... go build ARGS" into a goBuild.
func parseGoBuild(t *testing.T, file string, words []string) goBuild {
	t.Helper()
	b := goBuild{env: map[string]string{}}
	for len(words) > 0 && strings.Contains(words[0], "=") {
		name, value, _ := strings.Cut(words[0], "=")
		b.env[name] = value
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("%s: %q is not go build", file, words)
	}
	for i := 2; i < len(words); i++ {
		if words[i] == "-o" && i+1 < len(words) {
			b.output = words[i+1]
			i++
			continue
		}
		b.args = append(b.args, words[i])
	}
	return b
}

// shellWords splits a command line the way sh does for the simple cases
// in the Makefile and Dockerfile: blanks separate words, double quotes
// group them.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func TestDockerfile_BuildsLikeTheMakefile(t *testing.T) {
	docker, mk := dockerfileBuild(t), makefileBuild(t)
	if docker.env["CGO_ENABLED"] != "0" || mk.env["CGO_ENABLED"] != "0" {
		t.Errorf("CGO_ENABLED: Dockerfile %q, Makefile %q; want 0 in both (a static binary for distroless/static)", docker.env["CGO_ENABLED"], mk.env["CGO_ENABLED"])
	}
	for name := range docker.env {
		if name != "CGO_ENABLED" && name != "GOOS" && name != "GOARCH" {
			t.Errorf("the Dockerfile sets %s for go build; the Makefile does not", name)
		}
	}
	if !slices.Equal(docker.args, mk.args) {
		t.Errorf("go build arguments differ:\nDockerfile %q\nMakefile   %q", docker.args, mk.args)
	}
	want := []string{"-trimpath", "-ldflags", "-s -w -X main.version=${VERSION}", "./cmd/alertgate"}
	if !slices.Equal(docker.args, want) {
		t.Errorf("Dockerfile go build %q, want %q", docker.args, want)
	}
	if docker.output != "/alertgate" {
		t.Errorf("Dockerfile builds %q, want /alertgate (the ENTRYPOINT)", docker.output)
	}
	text := string(readFile(t, "Dockerfile"))
	for _, s := range []string{
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER 65532:65532",
		"EXPOSE 9095",
		`ENTRYPOINT ["/alertgate"]`,
		`CMD ["serve", "--config", "/etc/alertgate/alertgate.yml"]`,
	} {
		if !strings.Contains(text, s) {
			t.Errorf("Dockerfile lacks %s", s)
		}
	}
}

// TestDockerfile_BuildStageMakesAStaticStampedBinary runs the Dockerfile's
// go build command here, as the build stage would (no Docker engine
// needed), and checks what it makes.
func TestDockerfile_BuildStageMakesAStaticStampedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the Dockerfile's go build of alertgate (about a minute)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	const version = "v0.0.0-deploytest"
	b := dockerfileBuild(t)
	bin := filepath.Join(t.TempDir(), "alertgate")
	args := []string{"build", "-o", bin}
	for _, a := range b.args {
		args = append(args, strings.ReplaceAll(a, "${VERSION}", version))
	}
	cmd := exec.CommandContext(t.Context(), goTool, args...)
	cmd.Dir = ".."
	cmd.Env = os.Environ()
	for name, value := range b.env {
		value = strings.NewReplacer("${TARGETOS}", runtime.GOOS, "${TARGETARCH}", runtime.GOARCH).Replace(value)
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	out, err := exec.CommandContext(t.Context(), bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("alertgate --version: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "alertgate "+version; got != want {
		t.Errorf("alertgate --version printed %q, want %q (-X main.version did not stamp it)", got, want)
	}

	if runtime.GOOS != "linux" {
		t.Skipf("static linking is checked on linux (ELF) only, not %s", runtime.GOOS)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP program header: it is dynamically linked and will not start on distroless/static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %q", libs)
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: -ldflags -s was not applied")
	}
}

// imageRunbooks is where the image puts the repository's runbooks.
const imageRunbooks = "/usr/share/alertgate/runbooks"

// TestDockerfile_ExampleConfigFindsTheImagesRunbooks: the example
// configuration names its runbooks relative to itself (../runbooks); the
// image rewrites that one line to where it puts them, so that a bare
// `docker run alertgate` starts (it exited with "lstat runbooks" when the
// path was taken relative to the container's working directory).
func TestDockerfile_ExampleConfigFindsTheImagesRunbooks(t *testing.T) {
	dockerfile := string(readFile(t, "Dockerfile"))
	for _, want := range []string{
		"RUN sed 's#^  runbooks_dir: .*#  runbooks_dir: " + imageRunbooks + "#' config/alertgate.yml > /alertgate.yml",
		"COPY --from=build /alertgate.yml /etc/alertgate/alertgate.yml\n",
	} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	example := string(readFile(t, filepath.Join("..", "config", "alertgate.yml")))
	if n := len(regexp.MustCompile(`(?m)^  runbooks_dir: `).FindAllString(example, -1)); n != 1 {
		t.Errorf("config/alertgate.yml has %d lines the Dockerfile's sed rewrites, want exactly 1", n)
	}
}

// TestDockerfile_ShipsTheRunbooksTheConfigsName: the compose and Helm
// configurations read runbooks from the image, so the image must have
// them, and they must load.
func TestDockerfile_ShipsTheRunbooksTheConfigsName(t *testing.T) {
	if !strings.Contains(string(readFile(t, "Dockerfile")), "COPY runbooks "+imageRunbooks+"\n") {
		t.Errorf("Dockerfile does not copy runbooks/ to %s", imageRunbooks)
	}
	for line := range strings.Lines(string(readFile(t, "Dockerfile.dockerignore"))) {
		if p := strings.TrimSpace(line); p == "runbooks" || p == "config" {
			t.Errorf("Dockerfile.dockerignore excludes %s, which the image copies", p)
		}
	}
	var compose struct {
		Enrich struct {
			RunbooksDir string `yaml:"runbooks_dir"`
		} `yaml:"enrich"`
	}
	decodeYAML(t, filepath.Join("compose", "alertgate.yml"), &compose)
	var chart struct {
		Config struct {
			Enrich struct {
				RunbooksDir string `yaml:"runbooks_dir"`
			} `yaml:"enrich"`
		} `yaml:"config"`
	}
	decodeYAML(t, filepath.Join("helm", "alertgate", "values.yaml"), &chart)
	for file, dir := range map[string]string{"compose/alertgate.yml": compose.Enrich.RunbooksDir, "helm values.yaml": chart.Config.Enrich.RunbooksDir} {
		if dir != imageRunbooks {
			t.Errorf("%s: enrich.runbooks_dir %q, want the image's %s", file, dir, imageRunbooks)
		}
	}
	if _, err := runbook.Load(filepath.Join("..", "runbooks")); err != nil {
		t.Errorf("the runbooks the image ships do not load: %v", err)
	}
}
