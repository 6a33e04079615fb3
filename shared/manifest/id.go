package manifest

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// TimeID makes an id that sorts by time, with a random suffix so two ids made in the
// same second differ: 20261125T151200Z-a1b2c3. Backup ids are TimeID; restore ids are
// "r" + TimeID.
func TimeID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on the platforms Go supports
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
