package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

// LargeSize is the size of the suite's large objects: more than three parts of
// store.MinPartSize, so an S3 store configured with PartSize = store.MinPartSize
// (as the integration test does) uploads them in four parts.
const LargeSize = 3*store.MinPartSize + store.MinPartSize/2 + 17

// emptySHA256 is the SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Run runs the contract suite. newStore is called once per subtest and must
// return a working store whose bucket or root exists; subtests use keys under a
// fresh prefix, so stores may share a bucket across runs.
func Run(t *testing.T, newStore func() store.Store) {
	run := fmt.Sprintf("storetest-%d", time.Now().UnixNano())
	cases := []struct {
		name string
		fn   func(t *testing.T, st store.Store, base string)
	}{
		{"PutGetStat", testPutGetStat},
		{"Overwrite", testOverwrite},
		{"Empty", testEmpty},
		{"NotFound", testNotFound},
		{"List", testList},
		{"Delete", testDelete},
		{"PutIfAbsent", testPutIfAbsent},
		{"PutIfAbsentRace", testPutIfAbsentRace},
		{"Large", testLarge},
		{"LargePutIfAbsentLoses", testLargePutIfAbsentLoses},
		{"VerifyObject", testVerifyObject},
		{"FailedPutLeavesNothing", testFailedPut},
		{"CancelledContext", testCancelled},
		{"InvalidKeys", testInvalidKeys},
		{"CheckAndURL", testCheckAndURL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newStore(), run+"/"+c.name+"/")
		})
	}
}

// Data returns n deterministic pseudo-random (incompressible) bytes as a reader
// that offers only Read, so stores cannot seek or size it up front.
func Data(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return onlyReader{io.LimitReader(rand.NewChaCha8(s), n)}
}

type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// SHA256 returns the size and hex SHA-256 of everything r yields.
func SHA256(t testing.TB, r io.Reader) (int64, string) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustPut(t *testing.T, st store.Store, key string, b []byte) store.ObjectInfo {
	t.Helper()
	info, err := st.Put(context.Background(), key, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
	want := store.ObjectInfo{Key: key, Size: int64(len(b)), SHA256: sum(b)}
	if info != want {
		t.Fatalf("Put %s = %+v, want %+v", key, info, want)
	}
	return info
}

func mustGet(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get %s: read: %v", key, err)
	}
	return b
}

func wantNotFound(t *testing.T, st store.Store, key string) {
	t.Helper()
	ctx := context.Background()
	if rc, err := st.Get(ctx, key); !errors.Is(err, store.ErrNotFound) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Get %s: err = %v, want ErrNotFound", key, err)
	}
	if _, err := st.Stat(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stat %s: err = %v, want ErrNotFound", key, err)
	}
}

func keys(objs []store.ObjectInfo) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

func testPutGetStat(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "dir/object.bin"
	data, _ := io.ReadAll(Data(1, 1000))
	mustPut(t, st, key, data)
	if got := mustGet(t, st, key); !bytes.Equal(got, data) {
		t.Errorf("Get %s: content differs from what was put", key)
	}
	info, err := st.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Key != key || info.Size != 1000 {
		t.Errorf("Stat = %+v, want key %s size 1000", info, key)
	}
}

func testOverwrite(t *testing.T, st store.Store, base string) {
	key := base + "k"
	mustPut(t, st, key, []byte("one"))
	mustPut(t, st, key, []byte("two-two"))
	if got := string(mustGet(t, st, key)); got != "two-two" {
		t.Errorf("after overwrite Get = %q, want %q", got, "two-two")
	}
}

func testEmpty(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "empty"
	info := mustPut(t, st, key, nil)
	if info.SHA256 != emptySHA256 {
		t.Errorf("empty sha256 = %s", info.SHA256)
	}
	if got := mustGet(t, st, key); len(got) != 0 {
		t.Errorf("Get empty = %d bytes", len(got))
	}
	if s, err := st.Stat(ctx, key); err != nil || s.Size != 0 {
		t.Errorf("Stat empty = %+v, %v", s, err)
	}
	l, err := st.List(ctx, base)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if want := []store.ObjectInfo{{Key: key, Size: 0}}; !slices.Equal(l, want) {
		t.Errorf("List = %+v, want %+v", l, want)
	}
	if err := store.VerifyObject(ctx, st, info); err != nil {
		t.Errorf("VerifyObject empty: %v", err)
	}
}

func testNotFound(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "absent/object"
	wantNotFound(t, st, key)
	if err := st.Delete(ctx, key); err != nil {
		t.Errorf("Delete absent: %v", err)
	}
	// A "folder" (a prefix of existing keys) is not an object.
	mustPut(t, st, base+"folder/inside", []byte("x"))
	wantNotFound(t, st, base+"folder")
	err := store.VerifyObject(ctx, st, store.ObjectInfo{Key: key, Size: 1, SHA256: emptySHA256})
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), key) {
		t.Errorf("VerifyObject absent: err = %v, want ErrNotFound naming the key and saying missing", err)
	}
}

func testList(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	put := []string{"a/1", "a/2", "a-b", "a/sub/3", "b/1", "ab"}
	for i := range 23 {
		put = append(put, fmt.Sprintf("many/%03d", i))
	}
	for i, k := range put {
		mustPut(t, st, base+k, bytes.Repeat([]byte{'x'}, i))
	}
	size := func(k string) int64 { return int64(slices.Index(put, k)) }
	cases := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"string prefix, not only folders", "a", []string{"a-b", "a/1", "a/2", "a/sub/3", "ab"}},
		{"folder", "a/", []string{"a/1", "a/2", "a/sub/3"}},
		{"partial segment in folder", "a/s", []string{"a/sub/3"}},
		{"exact key", "b/1", []string{"b/1"}},
		{"absent", "nothing/", nil},
		{"absent deep", "nothing/at/all", nil},
	}
	for _, c := range cases {
		got, err := st.List(ctx, base+c.prefix)
		if err != nil {
			t.Fatalf("List %q: %v", c.prefix, err)
		}
		var want []store.ObjectInfo
		for _, k := range c.want {
			want = append(want, store.ObjectInfo{Key: base + k, Size: size(k)})
		}
		if len(got) != len(want) || (len(want) > 0 && !slices.Equal(got, want)) {
			t.Errorf("%s: List(%q) = %v, want %v", c.name, c.prefix, keys(got), keys(want))
		}
	}
	// Paginated listing: everything, full keys, sorted bytewise.
	all, err := st.List(ctx, base)
	if err != nil {
		t.Fatalf("List all: %v", err)
	}
	wantKeys := make([]string, len(put))
	for i, k := range put {
		wantKeys[i] = base + k
	}
	slices.Sort(wantKeys)
	if !slices.Equal(keys(all), wantKeys) {
		t.Errorf("List all = %v, want %v", keys(all), wantKeys)
	}
}

func testDelete(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "deep/er/k"
	mustPut(t, st, key, []byte("x"))
	mustPut(t, st, base+"deep/keep", []byte("y"))
	if err := st.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, st, key)
	l, err := st.List(ctx, base)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if want := []string{base + "deep/keep"}; !slices.Equal(keys(l), want) {
		t.Errorf("List after Delete = %v, want %v", keys(l), want)
	}
	if err := st.Delete(ctx, key); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	// The folder of a deleted key can be written again.
	mustPut(t, st, key, []byte("z"))
}

func testPutIfAbsent(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "lock.json"
	info, err := st.PutIfAbsent(ctx, key, strings.NewReader("first"))
	if err != nil {
		t.Fatalf("first PutIfAbsent: %v", err)
	}
	if want := (store.ObjectInfo{Key: key, Size: 5, SHA256: sum([]byte("first"))}); info != want {
		t.Errorf("PutIfAbsent = %+v, want %+v", info, want)
	}
	_, err = st.PutIfAbsent(ctx, key, strings.NewReader("second"))
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("second PutIfAbsent: err = %v, want ErrExists", err)
	}
	if got := string(mustGet(t, st, key)); got != "first" {
		t.Errorf("after refused PutIfAbsent Get = %q, want %q", got, "first")
	}
	if err := st.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutIfAbsent(ctx, key, strings.NewReader("third")); err != nil {
		t.Errorf("PutIfAbsent after Delete: %v", err)
	}
}

func raceIfAbsent(t *testing.T, st store.Store, key string, n int, body func(i int) io.Reader) {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []int
		errs    []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.PutIfAbsent(context.Background(), key, body(i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, i)
			case !errors.Is(err, store.ErrExists):
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("racing PutIfAbsent: unexpected errors (want only ErrExists): %v", errs)
	}
	if len(winners) != 1 {
		t.Fatalf("racing PutIfAbsent: %d winners, want exactly 1", len(winners))
	}
	_, got := SHA256(t, bytes.NewReader(mustGet(t, st, key)))
	_, want := SHA256(t, body(winners[0]))
	if got != want {
		t.Errorf("racing PutIfAbsent: stored content is not the winner's")
	}
}

func testPutIfAbsentRace(t *testing.T, st store.Store, base string) {
	raceIfAbsent(t, st, base+"race", 4, func(i int) io.Reader {
		return strings.NewReader(fmt.Sprintf("writer %d", i))
	})
}

func testLarge(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "large.bin"
	n, want := SHA256(t, Data(7, LargeSize))
	info, err := st.Put(ctx, key, Data(7, LargeSize))
	if err != nil {
		t.Fatalf("Put large: %v", err)
	}
	if info != (store.ObjectInfo{Key: key, Size: n, SHA256: want}) {
		t.Fatalf("Put large = %+v, want size %d sha256 %s", info, n, want)
	}
	rc, err := st.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get large: %v", err)
	}
	gn, got := SHA256(t, rc)
	rc.Close()
	if gn != n || got != want {
		t.Errorf("Get large: %d bytes sha256 %s, want %d %s", gn, got, n, want)
	}
	if s, err := st.Stat(ctx, key); err != nil || s.Size != n {
		t.Errorf("Stat large = %+v, %v", s, err)
	}
	if err := store.VerifyObject(ctx, st, info); err != nil {
		t.Errorf("VerifyObject large: %v", err)
	}
}

// testLargePutIfAbsentLoses: an object that appears while a large (multipart)
// PutIfAbsent is uploading wins; the upload fails with ErrExists when it commits.
// (Deterministic, unlike racing two large uploads: moto checks the condition of
// CompleteMultipartUpload before, not atomically with, the commit.)
func testLargePutIfAbsentLoses(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "large-lose.bin"
	r := &onEOF{r: Data(9, LargeSize), fn: func() {
		if _, err := st.Put(ctx, key, strings.NewReader("first")); err != nil {
			t.Errorf("concurrent Put: %v", err)
		}
	}}
	if _, err := st.PutIfAbsent(ctx, key, r); !errors.Is(err, store.ErrExists) {
		t.Errorf("PutIfAbsent overtaken by a Put: err = %v, want ErrExists", err)
	}
	if got := string(mustGet(t, st, key)); got != "first" {
		t.Errorf("Get = %d bytes, want the concurrent writer's %q", len(got), "first")
	}
	// And a large PutIfAbsent on an existing key is refused.
	if _, err := st.PutIfAbsent(ctx, key, Data(9, LargeSize)); !errors.Is(err, store.ErrExists) {
		t.Errorf("large PutIfAbsent on an existing key: err = %v, want ErrExists", err)
	}
}

// onEOF calls fn once, when r is exhausted (after the store has read every byte
// but before it can commit the object).
type onEOF struct {
	r    io.Reader
	fn   func()
	done bool
}

func (o *onEOF) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if err == io.EOF && !o.done {
		o.done = true
		o.fn()
	}
	return n, err
}

func testVerifyObject(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	key := base + "v"
	info := mustPut(t, st, key, []byte("hello"))
	if err := store.VerifyObject(ctx, st, info); err != nil {
		t.Errorf("VerifyObject: %v", err)
	}
	cases := []struct {
		name string
		want store.ObjectInfo
		says string
	}{
		{"size", store.ObjectInfo{Key: key, Size: 6, SHA256: info.SHA256}, "size mismatch"},
		{"sha256", store.ObjectInfo{Key: key, Size: 5, SHA256: sum([]byte("HELLO"))}, "sha256 mismatch"},
	}
	for _, c := range cases {
		err := store.VerifyObject(ctx, st, c.want)
		if !errors.Is(err, store.ErrMismatch) || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: VerifyObject err = %v, want ErrMismatch naming %s and saying %q", c.name, err, key, c.says)
		}
	}
	if err := store.VerifyObject(ctx, st, store.ObjectInfo{Key: key, Size: 5}); err == nil {
		t.Errorf("VerifyObject without sha256: no error")
	}
}

var errBroken = errors.New("broken reader")

type failingReader struct {
	r io.Reader
}

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

func testFailedPut(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		size int64
	}{
		{"small", 100},
		{"after two parts", 2*store.MinPartSize + 10},
	} {
		key := base + "failed-" + strings.ReplaceAll(c.name, " ", "-")
		_, err := st.Put(ctx, key, failingReader{Data(3, c.size)})
		if !errors.Is(err, errBroken) {
			t.Errorf("%s: Put from a failing reader: err = %v, want the reader's error", c.name, err)
		}
		wantNotFound(t, st, key)
		_, err = st.PutIfAbsent(ctx, key, failingReader{Data(3, c.size)})
		if !errors.Is(err, errBroken) {
			t.Errorf("%s: PutIfAbsent from a failing reader: err = %v, want the reader's error", c.name, err)
		}
		wantNotFound(t, st, key)
	}
	if l, err := st.List(ctx, base); err != nil || len(l) != 0 {
		t.Errorf("List after failed puts = %v, %v; want nothing", keys(l), err)
	}
}

func testCancelled(t *testing.T, st store.Store, base string) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := base + "cancelled"
	if _, err := st.Put(ctx, key, strings.NewReader("x")); err == nil {
		t.Errorf("Put with a cancelled context: no error")
	}
	wantNotFound(t, st, key)
}

func testInvalidKeys(t *testing.T, st store.Store, base string) {
	ctx := context.Background()
	for _, key := range []string{
		"", "/abs", base + "trailing/", base + "dou//ble", base + "../up", base + "./here",
		base + "a/../b", base + "new\nline", base + "nul\x00", strings.Repeat("k", 1025),
	} {
		if _, err := st.Put(ctx, key, strings.NewReader("x")); err == nil {
			t.Errorf("Put %q: no error", key)
		}
		if _, err := st.PutIfAbsent(ctx, key, strings.NewReader("x")); err == nil {
			t.Errorf("PutIfAbsent %q: no error", key)
		}
		if rc, err := st.Get(ctx, key); err == nil {
			rc.Close()
			t.Errorf("Get %q: no error", key)
		}
		if _, err := st.Stat(ctx, key); err == nil {
			t.Errorf("Stat %q: no error", key)
		}
		if err := st.Delete(ctx, key); err == nil {
			t.Errorf("Delete %q: no error", key)
		}
	}
}

func testCheckAndURL(t *testing.T, st store.Store, base string) {
	if err := st.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	key := base + "x/y.json"
	if u := st.URL(key); !strings.HasSuffix(u, "/"+key) || !strings.Contains(u, "://") {
		t.Errorf("URL(%q) = %q, want scheme://.../%s", key, u, key)
	}
}
