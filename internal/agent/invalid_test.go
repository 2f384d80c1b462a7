package agent

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testNow is the fixed clock of the tests: Sunday 1 March 2026, 14:05 UTC.
var testNow = time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC)

func testOptions() LoadOptions {
	return LoadOptions{Vars: map[string]string{"company": "Acme"}, Now: testNow}
}

// wantErrors reads the "# want: " comment lines at the top of a file.
func wantErrors(t *testing.T, data []byte) []string {
	t.Helper()
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		w, ok := strings.CutPrefix(sc.Text(), "# want: ")
		if !ok {
			break
		}
		want = append(want, w)
	}
	if len(want) == 0 {
		t.Fatal("file has no # want: lines")
	}
	return want
}

// TestInvalidCorpus loads every testdata/invalid/*.yaml and requires exactly
// the errors listed in its "# want:" lines: file:line:column, field path and
// message, in order.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("invalid corpus has %d files, want at least 30", len(files))
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := wantErrors(t, data)
			cfg, err := Load(path, testOptions())
			if err == nil {
				t.Fatalf("Load succeeded (%d agents), want errors:\n%s", len(cfg.Agents), strings.Join(want, "\n"))
			}
			if cfg != nil {
				t.Error("Load returned a config together with an error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, not Errors: %v", err, err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve != errs[0] {
				t.Errorf("errors.As(*ValidationError) does not yield the first problem")
			}
			got := make([]string, len(errs))
			for i, e := range errs {
				if !strings.HasSuffix(e.File, ".yaml") && !strings.HasSuffix(e.File, ".md") {
					t.Errorf("error %d has file %q", i, e.File)
				}
				got[i] = strings.TrimPrefix(e.Error(), "testdata/invalid/")
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("errors differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if err.Error() != errs.Error() || strings.Count(err.Error(), "\n") != len(errs)-1 {
				t.Errorf("Error() is not one line per problem: %q", err.Error())
			}
		})
	}
}
