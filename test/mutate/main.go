// Command mutate checks that the unit tests defend the receivers' promises. It breaks each promise
// in turn with a small edit of the code (a mutation, listed in mutations.go), runs the unit tests
// of every package that can see the edit, and reports whether they failed on every run (killed),
// on none (survived: no test defends the promise) or on some (flaky).
//
// The mutated file reaches the compiler through the go command's -overlay flag: the working tree
// is never written, so an interrupted run leaves nothing behind but its temporary directory,
// which it removes. Run it with `make mutate`; see docs/testing.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// patterns are the unit tests' packages; the end-to-end tests are not unit tests.
var patterns = []string{"./receiver/...", "./internal/..."}

func main() {
	os.Exit(run())
}

func run() int {
	runs := flag.Int("runs", 3, "runs of the tests per mutation, each with -shuffle=on; a mutation is killed only when every run fails")
	only := flag.String("run", "", "only the mutations whose name matches this regular expression")
	list := flag.Bool("list", false, "list the mutations and their edits, and exit")
	timeout := flag.Duration("timeout", 30*time.Second, "go test -timeout of each run; a mutation that makes a test hang is killed by it")
	markdown := flag.String("markdown", "", "also write the results as a Markdown table to this file")
	flag.Parse()

	selected, err := selectMutations(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *list {
		for i, m := range selected {
			fmt.Printf("%02d %s: %s\n  %s\n%s", i+1, m.name, m.promise, m.file, m.diff())
		}
		return 0
	}
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "-runs must be at least 1")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := moduleRoot(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(tmp)

	r := &runner{ctx: ctx, root: root, tmp: tmp, runs: *runs, timeout: *timeout}
	if r.pkgs, err = loadPackages(ctx, root); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	start := time.Now()
	fmt.Printf("baseline: the unit tests without any mutation ... ")
	base := r.test(r.pkgs.withTests(), "")
	if ctx.Err() != nil {
		return 130
	}
	if !base.passed() {
		fmt.Printf("FAIL\n%s\nThe unit tests must pass before mutations can be judged.\n", base.output)
		return 2
	}
	fmt.Printf("ok (%s)\n\n", round(base.elapsed))

	var results []result
	for i, m := range selected {
		fmt.Printf("%02d %-42s ", i+1, m.name)
		res := r.mutate(m)
		if ctx.Err() != nil {
			fmt.Println("interrupted")
			return 130
		}
		results = append(results, res)
		fmt.Println(res.line())
		if res.verdict == broken || res.verdict == stale {
			fmt.Printf("   %s\n", strings.ReplaceAll(strings.TrimSpace(res.detail), "\n", "\n   "))
		}
	}
	counts := map[verdict]int{}
	for _, res := range results {
		counts[res.verdict]++
	}
	fmt.Printf("\n%d mutations, %d runs each, in %s: %d killed, %d survived, %d flaky, %d broken, %d stale\n",
		len(results), r.runs, round(time.Since(start)), counts[killed], counts[survived], counts[flaky], counts[broken], counts[stale])
	if *markdown != "" {
		if err := os.WriteFile(*markdown, []byte(markdownTable(results)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	if counts[killed] != len(results) {
		fmt.Println("Every mutation must be killed on every run: write a test for each one that is not (docs/testing.md).")
		return 1
	}
	return 0
}

func selectMutations(expr string) ([]mutation, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("-run: %w", err)
	}
	var selected []mutation
	for _, m := range mutations {
		if re.MatchString(m.name) {
			selected = append(selected, m)
		}
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("no mutation matches %q", expr)
	}
	return selected, nil
}

type verdict string

const (
	killed   verdict = "killed"
	survived verdict = "SURVIVED"
	flaky    verdict = "FLAKY"
	broken   verdict = "BROKEN" // the mutant does not compile: the mutation tests nothing
	stale    verdict = "STALE"  // the code it edits changed: the mutation must follow it
)

type result struct {
	mutation mutation
	verdict  verdict
	failed   int
	runs     int
	elapsed  time.Duration
	// killers are the tests that failed, in the order first seen.
	killers []string
	// passingSeeds are the -shuffle seeds of the runs that passed, to replay a flaky kill.
	passingSeeds []string
	detail       string
}

func (r result) line() string {
	s := fmt.Sprintf("%-8s %d/%d  %6s", r.verdict, r.failed, r.runs, round(r.elapsed))
	if len(r.killers) > 0 {
		s += "  " + strings.Join(r.killers, ", ")
	}
	if len(r.passingSeeds) > 0 && r.verdict == flaky {
		s += "  (passed with -shuffle " + strings.Join(r.passingSeeds, ", ") + ")"
	}
	return s
}

type runner struct {
	ctx     context.Context
	root    string
	tmp     string
	runs    int
	timeout time.Duration
	pkgs    *packages
	n       int
}

// mutate writes m's mutant beside an overlay that puts it in place of the original, and runs
// the tests of every package that depends on the mutated one.
func (r *runner) mutate(m mutation) (res result) {
	start := time.Now()
	res = result{mutation: m, runs: r.runs}
	defer func() { res.elapsed = time.Since(start) }()
	file, src, err := m.mutant(r.root)
	if err != nil {
		res.verdict, res.detail = stale, err.Error()
		return res
	}
	r.n++
	dir := filepath.Join(r.tmp, fmt.Sprint(r.n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.verdict, res.detail = broken, err.Error()
		return res
	}
	original := filepath.Join(r.root, filepath.FromSlash(file))
	mutant := filepath.Join(dir, filepath.Base(file))
	overlay := filepath.Join(dir, "overlay.json")
	data, _ := json.Marshal(map[string]map[string]string{"Replace": {original: mutant}})
	if err := errors.Join(os.WriteFile(mutant, []byte(src), 0o644), os.WriteFile(overlay, data, 0o644)); err != nil {
		res.verdict, res.detail = broken, err.Error()
		return res
	}
	pkgs := r.pkgs.affectedBy(filepath.Dir(original))
	if len(pkgs) == 0 {
		res.verdict, res.detail = broken, "no package with tests depends on "+file
		return res
	}
	for range r.runs {
		t := r.test(pkgs, overlay)
		if r.ctx.Err() != nil {
			return res
		}
		switch {
		case t.buildFailed:
			res.verdict, res.detail = broken, t.output
			return res
		case t.passed():
			res.passingSeeds = append(res.passingSeeds, t.seed)
		default:
			res.failed++
			for _, name := range t.failedTests {
				if !slices.Contains(res.killers, name) {
					res.killers = append(res.killers, name)
				}
			}
		}
	}
	switch res.failed {
	case r.runs:
		res.verdict = killed
	case 0:
		res.verdict = survived
	default:
		res.verdict = flaky
	}
	return res
}

type testRun struct {
	err         error
	output      string
	elapsed     time.Duration
	buildFailed bool
	failedTests []string
	seed        string
}

func (t testRun) passed() bool { return t.err == nil }

var (
	failLine = regexp.MustCompile(`(?m)^--- FAIL: (\S+)`)
	timedOut = regexp.MustCompile(`(?m)^panic: test timed out after`)
	// runningTest matches the top-level tests that a timeout panic lists as still running.
	runningTest = regexp.MustCompile(`(?m)^\t\t(Test[^\s/]*) \(`)
	buildFail   = regexp.MustCompile(`(?m)\[(build|setup) failed\]|^# `)
)

// test runs the unit tests of pkgs once, shuffled, with overlay when it is not empty.
func (r *runner) test(pkgs []string, overlay string) testRun {
	// A seed of our own, rather than -shuffle=on's, so that a passing run's order is known too.
	seed := fmt.Sprint(rand.Int64())
	args := []string{"test", "-count=1", "-shuffle=" + seed, "-timeout=" + r.timeout.String()}
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	cmd := exec.CommandContext(r.ctx, "go", append(args, pkgs...)...)
	cmd.Dir = r.root
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t := testRun{err: err, output: out.String(), elapsed: time.Since(start), seed: seed}
	if err != nil {
		t.buildFailed = buildFail.MatchString(t.output)
		t.failedTests = failedTests(t.output)
	}
	return t
}

// failedTests returns the top-level tests that failed in a go test output, in order, and those a
// timeout found still running, marked as such.
func failedTests(output string) []string {
	var failed []string
	for _, m := range failLine.FindAllStringSubmatch(output, -1) {
		if !slices.Contains(failed, m[1]) {
			failed = append(failed, m[1])
		}
	}
	if timedOut.MatchString(output) {
		hung := false
		for _, m := range runningTest.FindAllStringSubmatch(output, -1) {
			if name := m[1] + " (timeout)"; !slices.Contains(failed, name) {
				failed, hung = append(failed, name), true
			}
		}
		if !hung {
			failed = append(failed, "(timeout)")
		}
	}
	return failed
}

// packages knows which unit-test packages depend on which package.
type packages struct {
	// byDir maps a package's directory to its import path.
	byDir map[string]string
	// deps maps a package with tests to everything its tests compile, itself included.
	deps map[string]map[string]bool
}

type listed struct {
	ImportPath   string
	Dir          string
	ForTest      string
	Deps         []string
	TestGoFiles  []string
	XTestGoFiles []string
}

func loadPackages(ctx context.Context, root string) (*packages, error) {
	args := append([]string{"list", "-e", "-test", "-json=ImportPath,Dir,ForTest,Deps,TestGoFiles,XTestGoFiles"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	p := &packages{byDir: map[string]string{}, deps: map[string]map[string]bool{}}
	withTests := map[string]bool{}
	var all []listed
	for dec := json.NewDecoder(strings.NewReader(string(out))); ; {
		var l listed
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		all = append(all, l)
		if l.ForTest == "" && !strings.HasSuffix(l.ImportPath, ".test") {
			p.byDir[l.Dir] = l.ImportPath
			if len(l.TestGoFiles)+len(l.XTestGoFiles) > 0 {
				withTests[l.ImportPath] = true
			}
		}
	}
	for _, l := range all {
		// A test variant ("p [p.test]", "p_test [p.test]") or the test main ("p.test") of p.
		base := l.ForTest
		if base == "" {
			base = strings.TrimSuffix(l.ImportPath, ".test")
		}
		if !withTests[base] {
			continue
		}
		if p.deps[base] == nil {
			p.deps[base] = map[string]bool{base: true}
		}
		for _, d := range l.Deps {
			p.deps[base][variantOf(d)] = true
		}
	}
	return p, nil
}

// variantOf strips the " [p.test]" of a package compiled for p's tests.
func variantOf(importPath string) string {
	if i := strings.Index(importPath, " ["); i >= 0 {
		return importPath[:i]
	}
	return importPath
}

func (p *packages) withTests() []string {
	var all []string
	for pkg := range p.deps {
		all = append(all, pkg)
	}
	slices.Sort(all)
	return all
}

// affectedBy returns the packages whose tests compile the package in dir.
func (p *packages) affectedBy(dir string) []string {
	target, ok := p.byDir[dir]
	if !ok {
		return nil
	}
	var pkgs []string
	for pkg, deps := range p.deps {
		if deps[target] {
			pkgs = append(pkgs, pkg)
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run mutate inside the module")
	}
	return filepath.Dir(gomod), nil
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

func markdownTable(results []result) string {
	var b strings.Builder
	b.WriteString("| # | mutation | promise it breaks | result | runs failed | time | killed by |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for i, r := range results {
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %d/%d | %s | %s |\n", i+1, r.mutation.name, r.mutation.promise,
			r.verdict, r.failed, r.runs, round(r.elapsed), strings.Join(r.killers, ", "))
	}
	return b.String()
}
