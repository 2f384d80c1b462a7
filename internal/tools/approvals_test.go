package tools

import (
	"sync"
	"testing"
)

func TestApprovals(t *testing.T) {
	var a Approvals
	if d, known := a.Decide("issue_refund"); known || d != 0 {
		t.Errorf("fresh: %v %v", d, known)
	}
	a.Remember("issue_refund", true)
	a.Remember("delete_account", false)
	if d, known := a.Decide("issue_refund"); !known || d != Approve {
		t.Errorf("issue_refund: %v %v", d, known)
	}
	if d, known := a.Decide("delete_account"); !known || d != Reject {
		t.Errorf("delete_account: %v %v", d, known)
	}
	a.Remember("issue_refund", false)
	if d, _ := a.Decide("issue_refund"); d != Reject || d.String() != "reject" {
		t.Errorf("replaced decision: %v", d)
	}
}

func TestApprovalsConcurrent(t *testing.T) {
	var a Approvals
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				a.Remember("tool", i%2 == 0)
				if _, known := a.Decide("tool"); !known {
					t.Error("decision lost")
				}
			}
		})
	}
	wg.Wait()
}
