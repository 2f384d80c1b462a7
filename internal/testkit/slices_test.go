package testkit

import (
	"slices"
	"testing"
)

func TestOfType(t *testing.T) {
	got := OfType[int]([]any{1, "a", 2, 3.0, 3})
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("OfType[int] = %v, want [1 2 3]", got)
	}
	if got := OfType[string]([]any{1, 2}); got != nil {
		t.Errorf("OfType[string] of no strings = %v, want nil", got)
	}
}

func TestNonZero(t *testing.T) {
	s := []int16{0, 0, 5, 0, -3, 0}
	if got := FirstNonZero(s); got != 2 {
		t.Errorf("FirstNonZero = %d, want 2", got)
	}
	if got := LastNonZero(s); got != 4 {
		t.Errorf("LastNonZero = %d, want 4", got)
	}
	if FirstNonZero(make([]int16, 3)) != -1 || LastNonZero(nil) != -1 {
		t.Errorf("silence: want -1 from both")
	}
}
