package guardrail

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// The R10.2 schedule with N = 100: checks when the length first reaches 100, 200, 300,
// one step at a time.
func TestDebouncerSchedule(t *testing.T) {
	d := NewDebouncer(100)
	var checkedAt []int
	var want strings.Builder
	for i := 1; i <= 350; i++ {
		want.WriteByte('a')
		text, check := d.Add("item1", "a")
		if text != want.String() {
			t.Fatalf("at %d: text has %d characters", i, len(text))
		}
		if check {
			checkedAt = append(checkedAt, i)
		}
	}
	if got := fmt.Sprint(checkedAt); got != "[100 200 300]" {
		t.Errorf("checks at %s, want 100 200 300", got)
	}
	// Final: grown since the check at 300, so due; then not again for the same text.
	if text, check := d.Final("item1", want.String()); !check || len(text) != 350 {
		t.Errorf("Final: check %v, %d characters", check, len(text))
	}
	if _, check := d.Final("item1", want.String()); check {
		t.Error("Final twice: check due again")
	}
}

// Deltas that jump over thresholds: one check per delta at most, and the count of
// checks, not the length, decides the next threshold.
func TestDebouncerJumps(t *testing.T) {
	d := NewDebouncer(100)
	// After k checks the next threshold is (k+1)·100.
	type step struct {
		delta  int
		length int
		check  bool
	}
	for i, s := range []step{
		{99, 99, false},
		{1, 100, true},   // k=0 → threshold 100
		{150, 250, true}, // k=1 → threshold 200
		{10, 260, false}, // k=2 → threshold 300
		{40, 300, true},  // reaches 300
		{500, 800, true}, // k=3 → threshold 400
		{0, 800, true},   // k=4 → threshold 500, already passed: checks again
	} {
		text, check := d.Add("x", strings.Repeat("b", s.delta))
		if len(text) != s.length || check != s.check {
			t.Errorf("step %d: length %d check %v, want %d %v", i, len(text), check, s.length, s.check)
		}
	}
}

// Length counts characters, not bytes.
func TestDebouncerCountsRunes(t *testing.T) {
	d := NewDebouncer(10)
	if _, check := d.Add("k", strings.Repeat("é", 9)); check {
		t.Error("9 characters (18 bytes) triggered a check")
	}
	if _, check := d.Add("k", "é"); !check {
		t.Error("10 characters did not trigger a check")
	}
}

func TestDebouncerFinalAndReset(t *testing.T) {
	d := NewDebouncer(100)
	// Never checked: Final checks any non-empty text.
	d.Add("short", "hello")
	if text, check := d.Final("short", "hello!"); !check || text != "hello!" {
		t.Errorf("Final: %q %v", text, check)
	}
	if _, check := d.Final("empty", ""); check {
		t.Error("Final of empty text is due")
	}
	// Checked at 100 and not grown: no final check.
	d.Add("exact", strings.Repeat("c", 100))
	if _, check := d.Final("exact", strings.Repeat("c", 100)); check {
		t.Error("Final due although nothing grew")
	}
	// Keys are independent, and Reset starts over.
	d.Add("a", strings.Repeat("a", 100))
	if text, check := d.Add("b", "b"); check || text != "b" {
		t.Errorf("key b: %q %v", text, check)
	}
	d.Reset("a")
	if text, check := d.Add("a", strings.Repeat("a", 100)); !check || len(text) != 100 {
		t.Errorf("after Reset: %d %v", len(text), check)
	}
}

func TestDebouncerFinalOnly(t *testing.T) {
	d := NewDebouncer(-1)
	if _, check := d.Add("k", strings.Repeat("x", 1000)); check {
		t.Error("Add asked for a check with n = -1")
	}
	if _, check := d.Final("k", strings.Repeat("x", 1000)); !check {
		t.Error("Final did not ask for a check with n = -1")
	}
}

func TestDebouncerConcurrent(t *testing.T) {
	d := NewDebouncer(10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	checks := 0
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if _, check := d.Add("shared", "x"); check {
					mu.Lock()
					checks++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if checks != 40 {
		t.Errorf("%d checks for 400 characters, want 40", checks)
	}
}
