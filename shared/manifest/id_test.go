package manifest

import (
	"regexp"
	"testing"
	"time"
)

func TestTimeID(t *testing.T) {
	at := time.Date(2026, 11, 25, 15, 12, 0, 999, time.FixedZone("CET", 3600))
	re := regexp.MustCompile(`^20261125T141200Z-[0-9a-f]{6}$`)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		id := TimeID(at)
		if !re.MatchString(id) {
			t.Fatalf("TimeID = %q, want UTC time + 6 hex digits", id)
		}
		seen[id] = true
	}
	// 50 draws of 24 random bits: a collision is a 1-in-100000 event; a clock-derived
	// suffix would give far fewer distinct ids.
	if len(seen) < 49 {
		t.Errorf("50 ids in the same second gave only %d distinct ones", len(seen))
	}
	if a, b := TimeID(at), TimeID(at.Add(time.Second)); a >= b {
		t.Errorf("ids do not sort by time: %q >= %q", a, b)
	}
}
