package hbase

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"
)

type cell struct {
	row, family, qualifier string
	ts                     int64
	typ                    byte
	value                  string
}

func digestOf(cells []cell) string {
	var d Digest
	for _, c := range cells {
		d.AddCell([]byte(c.row), []byte(c.family), []byte(c.qualifier), c.ts, c.typ, []byte(c.value))
	}
	return d.String()
}

// rdr1Cells derives the cells of the fixture table atlas_fixture_rdr1 from the ImportTsv
// input, keeping the newest VERSIONS per column (e: 1, g: 3), independently of the reader.
func rdr1Cells(t *testing.T) []cell {
	t.Helper()
	f, err := os.Open("testdata/export/rdr1.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byCol := map[string][]cell{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		ts, _ := strconv.ParseInt(p[1], 10, 64)
		for i, col := range []string{"e:name", "e:type", "g:v"} {
			fam, q, _ := strings.Cut(col, ":")
			byCol[p[0]+"/"+col] = append(byCol[p[0]+"/"+col], cell{p[0], fam, q, ts, 4, p[2+i]})
		}
	}
	var out []cell
	for _, cs := range byCol {
		sort.Slice(cs, func(i, j int) bool { return cs[i].ts > cs[j].ts })
		max := 1
		if cs[0].family == "g" {
			max = 3
		}
		if len(cs) > max {
			cs = cs[:max]
		}
		out = append(out, cs...)
	}
	return out
}

func TestReadExportRealFiles(t *testing.T) {
	want := rdr1Cells(t)
	if len(want) != 18 {
		t.Fatalf("expected cells derived: %d, stack.hbase.Digest counted 18", len(want))
	}
	wantDigest := digestOf(want)
	for _, variant := range []string{"plain", "record-deflate", "block-deflate", "record-snappy", "block-snappy", "block-gzip"} {
		t.Run(variant, func(t *testing.T) {
			f, err := os.Open("testdata/export/" + variant + "/part-m-00000")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := ReadExport(f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Rows != 5 || st.Cells != 18 {
				t.Errorf("rows %d cells %d, want 5 18", st.Rows, st.Cells)
			}
			if st.Digest != wantDigest {
				t.Errorf("digest %s, want %s (from the TSV input)", st.Digest, wantDigest)
			}
		})
	}
}

func TestReadExportRealSyncMarker(t *testing.T) {
	var want []cell
	for i := 0; i < 700; i++ {
		want = append(want, cell{fmt.Sprintf("r%05d", i), "d", "q", 1700000000000 + int64(i), 4, strings.Repeat(fmt.Sprintf("v%05d-", i), 18)})
	}
	st, err := ReadExportDir(os.DirFS("testdata/export"), "sync")
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 700 || st.Cells != 700 || st.Files != 1 || st.Digest != digestOf(want) {
		t.Errorf("stats %+v, want 700 rows, 700 cells, digest %s", st, digestOf(want))
	}
}

func TestReadExportDirReal(t *testing.T) {
	// the plain directory as Export left it: part file, _SUCCESS, .crc files
	st, err := ReadExportDir(os.DirFS("testdata/export"), "plain")
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 5 || st.Cells != 18 || st.Files != 1 || st.Digest != digestOf(rdr1Cells(t)) {
		t.Errorf("stats %+v", st)
	}
}

// --- a SequenceFile writer for synthetic cases, following SequenceFile.Writer ---

type seqMode int

const (
	seqNone seqMode = iota
	seqRecord
	seqBlock
)

type seqWriter struct {
	mode      seqMode
	codec     string
	compress  func([]byte) []byte
	sync      [16]byte
	syncEvery int // records between sync markers (none) / records per block (block)
	keyClass  string
	valClass  string
}

func writeVLong(w *bytes.Buffer, i int64) {
	if i >= -112 && i <= 127 {
		w.WriteByte(byte(i))
		return
	}
	l := -112
	if i < 0 {
		i ^= -1
		l = -120
	}
	for tmp := i; tmp != 0; tmp >>= 8 {
		l--
	}
	w.WriteByte(byte(l))
	n := -(l + 112)
	if l < -120 {
		n = -(l + 120)
	}
	for idx := n; idx != 0; idx-- {
		w.WriteByte(byte(i >> ((idx - 1) * 8)))
	}
}

func writeText(w *bytes.Buffer, s string) { writeVLong(w, int64(len(s))); w.WriteString(s) }

func zlibBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// hadoopSnappyBytes frames b as Hadoop's BlockCompressorStream does, in chunks of 7 bytes
// to exercise multi-chunk blocks.
func hadoopSnappyBytes(b []byte) []byte {
	var out bytes.Buffer
	binary.Write(&out, binary.BigEndian, uint32(len(b)))
	for len(b) > 0 {
		n := min(7, len(b))
		c := snappy.Encode(nil, b[:n])
		binary.Write(&out, binary.BigEndian, uint32(len(c)))
		out.Write(c)
		b = b[n:]
	}
	return out.Bytes()
}

func resultBytes(cells []cell, extra func(b []byte) []byte) []byte {
	var msg []byte
	for _, c := range cells {
		var cb []byte
		cb = protowire.AppendTag(cb, 1, protowire.BytesType)
		cb = protowire.AppendBytes(cb, []byte(c.row))
		cb = protowire.AppendTag(cb, 2, protowire.BytesType)
		cb = protowire.AppendBytes(cb, []byte(c.family))
		cb = protowire.AppendTag(cb, 3, protowire.BytesType)
		cb = protowire.AppendBytes(cb, []byte(c.qualifier))
		cb = protowire.AppendTag(cb, 4, protowire.VarintType)
		cb = protowire.AppendVarint(cb, uint64(c.ts))
		cb = protowire.AppendTag(cb, 5, protowire.VarintType)
		cb = protowire.AppendVarint(cb, uint64(c.typ))
		cb = protowire.AppendTag(cb, 6, protowire.BytesType)
		cb = protowire.AppendBytes(cb, []byte(c.value))
		cb = protowire.AppendTag(cb, 7, protowire.BytesType) // empty tags, as HBase writes
		cb = protowire.AppendBytes(cb, nil)
		cb = protowire.AppendTag(cb, 99, protowire.Fixed32Type) // an unknown field to skip
		cb = protowire.AppendFixed32(cb, 7)
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendBytes(msg, cb)
	}
	msg = protowire.AppendTag(msg, 4, protowire.VarintType) // stale=false
	msg = protowire.AppendVarint(msg, 0)
	if extra != nil {
		msg = extra(msg)
	}
	return protowire.AppendBytes(nil, msg) // varint-delimited
}

func keyBytes(row string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(row)))
	return append(b, row...)
}

// write renders results (one []cell per Result, all of one row) as a SequenceFile.
func (w seqWriter) write(results [][]cell) []byte {
	var out bytes.Buffer
	out.WriteString("SEQ\x06")
	kc, vc := w.keyClass, w.valClass
	if kc == "" {
		kc, vc = ExportKeyClass, ExportValueClass
	}
	writeText(&out, kc)
	writeText(&out, vc)
	out.WriteByte(b2i(w.mode != seqNone))
	out.WriteByte(b2i(w.mode == seqBlock))
	if w.mode != seqNone {
		writeText(&out, w.codec)
	}
	binary.Write(&out, binary.BigEndian, int32(1)) // one metadata entry
	writeText(&out, "k")
	writeText(&out, "v")
	out.Write(w.sync[:])
	every := w.syncEvery
	if every <= 0 {
		every = 1 << 30
	}
	if w.mode == seqBlock {
		for start := 0; start < len(results); start += every {
			end := min(start+every, len(results))
			var kl, ks, vl, vs bytes.Buffer
			for _, r := range results[start:end] {
				k, v := keyBytes(r[0].row), resultBytes(r, nil)
				writeVLong(&kl, int64(len(k)))
				ks.Write(k)
				writeVLong(&vl, int64(len(v)))
				vs.Write(v)
			}
			binary.Write(&out, binary.BigEndian, int32(-1))
			out.Write(w.sync[:])
			writeVLong(&out, int64(end-start))
			for _, b := range []*bytes.Buffer{&kl, &ks, &vl, &vs} {
				c := w.compress(b.Bytes())
				writeVLong(&out, int64(len(c)))
				out.Write(c)
			}
		}
		return out.Bytes()
	}
	for i, r := range results {
		if i > 0 && i%every == 0 {
			binary.Write(&out, binary.BigEndian, int32(-1))
			out.Write(w.sync[:])
		}
		k, v := keyBytes(r[0].row), resultBytes(r, nil)
		if w.mode == seqRecord {
			v = w.compress(v)
		}
		binary.Write(&out, binary.BigEndian, int32(len(k)+len(v)))
		binary.Write(&out, binary.BigEndian, int32(len(k)))
		out.Write(k)
		out.Write(v)
	}
	return out.Bytes()
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func syntheticResults() ([][]cell, []cell) {
	var results [][]cell
	var all []cell
	for i := 0; i < 40; i++ {
		row := fmt.Sprintf("row-%03d", i)
		var r []cell
		for j := 0; j < i%4+1; j++ {
			c := cell{row, "e", fmt.Sprintf("q%d", j), 1700000000000 + int64(i*10+j), 4, strings.Repeat("x", i*j)}
			r = append(r, c)
			all = append(all, c)
		}
		if i == 7 { // a delete marker (raw export) and binary data
			c := cell{row, "e", "\x00\xff", 1, 12, ""}
			r = append(r, c)
			all = append(all, c)
		}
		results = append(results, r)
		if i%10 == 3 { // a batched row: a second Result for the same row key
			c := cell{row, "g", "batched", 5, 4, "b"}
			results = append(results, []cell{c})
			all = append(all, c)
		}
	}
	return results, all
}

func TestReadExportSynthetic(t *testing.T) {
	results, all := syntheticResults()
	sync := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tests := []struct {
		name string
		w    seqWriter
	}{
		{"none", seqWriter{mode: seqNone, sync: sync}},
		{"none with sync markers", seqWriter{mode: seqNone, sync: sync, syncEvery: 3}},
		{"record zlib", seqWriter{mode: seqRecord, codec: "org.apache.hadoop.io.compress.DefaultCodec", compress: zlibBytes, sync: sync, syncEvery: 5}},
		{"block zlib, many blocks", seqWriter{mode: seqBlock, codec: "org.apache.hadoop.io.compress.DeflateCodec", compress: zlibBytes, sync: sync, syncEvery: 6}},
		{"block zlib, one block", seqWriter{mode: seqBlock, codec: "org.apache.hadoop.io.compress.DefaultCodec", compress: zlibBytes, sync: sync}},
		{"block snappy, chunked", seqWriter{mode: seqBlock, codec: "org.apache.hadoop.io.compress.SnappyCodec", compress: hadoopSnappyBytes, sync: sync, syncEvery: 9}},
		{"record snappy, chunked", seqWriter{mode: seqRecord, codec: "org.apache.hadoop.io.compress.SnappyCodec", compress: hadoopSnappyBytes, sync: sync}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ReadExport(bytes.NewReader(tt.w.write(results)))
			if err != nil {
				t.Fatal(err)
			}
			if st.Rows != 40 || st.Cells != int64(len(all)) || st.Digest != digestOf(all) {
				t.Errorf("stats %+v, want rows 40 cells %d digest %s", st, len(all), digestOf(all))
			}
		})
	}
}

func TestReadExportDirCombines(t *testing.T) {
	results, all := syntheticResults()
	w := seqWriter{mode: seqNone}
	fsys := fstest.MapFS{
		"out/part-m-00000":      {Data: w.write(results[:20])},
		"out/part-m-00001":      {Data: w.write(results[20:])},
		"out/.part-m-00000.crc": {Data: []byte("crc")},
		"out/_SUCCESS":          {Data: nil},
		"out/_logs/history":     {Data: []byte("x")},
		"empty/_SUCCESS":        {Data: nil},
	}
	st, err := ReadExportDir(fsys, "out")
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 2 || st.Cells != int64(len(all)) || st.Digest != digestOf(all) {
		t.Errorf("stats %+v", st)
	}
	// row 3's batched Result sits in the first file: rows are still 40
	if st.Rows != 40 {
		t.Errorf("rows %d", st.Rows)
	}
	if _, err := ReadExportDir(fsys, "empty"); err == nil || !strings.Contains(err.Error(), "no part-* files") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := ReadExportDir(fsys, "missing"); err == nil {
		t.Error("missing dir: no error")
	}
}

func TestReadExportErrors(t *testing.T) {
	results, _ := syntheticResults()
	good := seqWriter{mode: seqNone, syncEvery: 4}.write(results)
	corruptSync := append([]byte(nil), good...)
	// the first in-stream sync marker follows the 4th record; flip its last byte
	idx := bytes.Index(corruptSync[100:], []byte{0xff, 0xff, 0xff, 0xff}) + 100 + 4 + 15
	corruptSync[idx] ^= 0xff
	assoc := seqWriter{mode: seqNone}.write(nil)
	{
		k, v := keyBytes("r"), resultBytes(nil, func(b []byte) []byte {
			b = protowire.AppendTag(b, 2, protowire.VarintType)
			return protowire.AppendVarint(b, 3)
		})
		var rec bytes.Buffer
		binary.Write(&rec, binary.BigEndian, int32(len(k)+len(v)))
		binary.Write(&rec, binary.BigEndian, int32(len(k)))
		rec.Write(k)
		rec.Write(v)
		assoc = append(assoc, rec.Bytes()...)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty", nil, "header"},
		{"not a sequence file", []byte("PAR1...."), "magic"},
		{"old version", []byte("SEQ\x05"), "version 5"},
		{"wrong classes", seqWriter{keyClass: "org.apache.hadoop.io.Text", valClass: "org.apache.hadoop.io.Text"}.write(nil), "want org.apache.hadoop.hbase.io.ImmutableBytesWritable"},
		{"unsupported codec", seqWriter{mode: seqRecord, codec: "org.apache.hadoop.io.compress.Lz4Codec", compress: zlibBytes}.write(results), "Lz4Codec: not supported"},
		{"truncated record", good[:len(good)-3], "unexpected EOF"},
		{"corrupt sync", corruptSync, "sync marker mismatch"},
		{"cells outside the message", assoc, "associated_cell_count"},
		{"record compressed garbage", func() []byte {
			b := seqWriter{mode: seqRecord, codec: "org.apache.hadoop.io.compress.DefaultCodec", compress: func(b []byte) []byte { return []byte("not zlib") }}.write(results[:1])
			return b
		}(), "record value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadExport(bytes.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadExportEmptyFile(t *testing.T) {
	st, err := ReadExport(bytes.NewReader(seqWriter{}.write(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 0 || st.Cells != 0 || st.Digest != DigestPrefix+strings.Repeat("0", 64) {
		t.Errorf("stats %+v", st)
	}
}

func TestVLongRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 127, 128, -112, -113, 255, 256, 1 << 20, -(1 << 20), 1<<62 + 5, -1 << 62, 9223372036854775807, -9223372036854775808} {
		var b bytes.Buffer
		writeVLong(&b, v)
		got, err := readVLong(bufio.NewReader(&b))
		if err != nil || got != v {
			t.Errorf("vlong %d: got %d, %v", v, got, err)
		}
	}
}

func TestDigest(t *testing.T) {
	a := cell{"r1", "e", "q", 1700000000000, 4, "v"}
	b := cell{"r2", "e", "q", 1700000000000, 4, "v"}
	c := cell{"r1", "e", "q", 1700000000001, 4, "v"}
	if digestOf([]cell{a, b, c}) != digestOf([]cell{c, a, b}) {
		t.Error("digest depends on order")
	}
	if digestOf([]cell{a, b}) == digestOf([]cell{a, c}) {
		t.Error("timestamp not in the digest")
	}
	if digestOf([]cell{a}) == digestOf([]cell{a, a}) {
		t.Error("multiplicity not in the digest")
	}
	// length prefixes keep field boundaries: ("ab","c") differs from ("a","bc")
	x := cell{"ab", "c", "", 0, 4, ""}
	y := cell{"a", "bc", "", 0, 4, ""}
	if digestOf([]cell{x}) == digestOf([]cell{y}) {
		t.Error("field boundaries not in the digest")
	}
	put := cell{"r", "f", "q", 1, 4, ""}
	del := cell{"r", "f", "q", 1, 8, ""}
	if digestOf([]cell{put}) == digestOf([]cell{del}) {
		t.Error("type not in the digest")
	}
	// Merge equals adding everything to one digest
	var d1, d2 Digest
	d1.AddCell([]byte(a.row), []byte(a.family), []byte(a.qualifier), a.ts, a.typ, []byte(a.value))
	d2.AddCell([]byte(b.row), []byte(b.family), []byte(b.qualifier), b.ts, b.typ, []byte(b.value))
	d1.Merge(d2)
	if d1.String() != digestOf([]cell{a, b}) {
		t.Error("Merge differs from adding")
	}
	// the sum wraps modulo 2^256
	var w Digest
	var ff [32]byte
	for i := range ff {
		ff[i] = 0xff
	}
	w.AddHash(ff)
	w.AddHash([32]byte{31: 2})
	if w.String() != DigestPrefix+strings.Repeat("0", 63)+"1" {
		t.Errorf("wrap: %s", w)
	}
	p, err := ParseDigest(d1.String())
	if err != nil || p != d1 {
		t.Errorf("ParseDigest round trip: %v", err)
	}
	for _, bad := range []string{"", "sha256:00", DigestPrefix + "zz", DigestPrefix + strings.Repeat("0", 62)} {
		if _, err := ParseDigest(bad); err == nil {
			t.Errorf("ParseDigest(%q) accepted", bad)
		}
	}
}

// A known answer pins the cell hash layout documented in doc.go.
func TestCellHashKnownAnswer(t *testing.T) {
	var want bytes.Buffer
	want.Write([]byte{0, 0, 0, 2})
	want.WriteString("r1")
	want.Write([]byte{0, 0, 0, 1})
	want.WriteString("e")
	want.Write([]byte{0, 0, 0, 3})
	want.WriteString("qq1")
	binary.Write(&want, binary.BigEndian, int64(1700000000000))
	want.WriteByte(4)
	want.Write([]byte{0, 0, 0, 5})
	want.WriteString("value")
	h := CellHash([]byte("r1"), []byte("e"), []byte("qq1"), 1700000000000, 4, []byte("value"))
	if h != sha256.Sum256(want.Bytes()) {
		t.Error("CellHash does not follow the documented layout")
	}
}

func TestProbe(t *testing.T) {
	p := NewProbe([][]byte{[]byte("row-002"), []byte("row-005"), []byte("row-999"), {0, 0xff}})
	st, err := ReadExportDirWith(os.DirFS("testdata/export/plain"), ".", p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 5 || p.Wanted() != 4 || p.Found() != 2 {
		t.Fatalf("rows %d wanted %d found %d", st.Rows, p.Wanted(), p.Found())
	}
	if m := p.Missing(); len(m) != 2 || m[0] != `\x00\xFF` || m[1] != "row-999" {
		t.Fatalf("missing %q", m)
	}
	// a nil probe is allowed and the stats are the same
	st2, err := ReadExportDirWith(os.DirFS("testdata/export/plain"), ".", nil)
	if err != nil || st2 != st {
		t.Fatalf("nil probe: %+v %v", st2, err)
	}
}
