package hbase

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"path"
	"sort"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// Classes an HBase Export writes into its SequenceFiles.
const (
	ExportKeyClass   = "org.apache.hadoop.hbase.io.ImmutableBytesWritable"
	ExportValueClass = "org.apache.hadoop.hbase.client.Result"
)

// DigestPrefix starts every digest string.
const DigestPrefix = "cellsum-sha256:"

// ExportStats summarise the cells of an Export.
type ExportStats struct {
	// Rows counts distinct row keys (consecutive Results of one row, as written with
	// hbase.export.scanner.batch, count once).
	Rows int64 `json:"rows"`
	// Cells counts every cell of every Result.
	Cells int64 `json:"cells"`
	// Digest is the order-independent cell digest (see Digest).
	Digest string `json:"digest"`
	// Files is the number of part files read by ReadExportDir.
	Files int `json:"files,omitempty"`
}

// Digest is an order-independent multiset digest of cells: the sum modulo 2^256 of
// CellHash over all cells, read as big-endian integers. Adding is commutative and
// associative, so digests of part files, regions or scans in any order combine with
// Merge. The zero value is the digest of no cells.
type Digest struct {
	sum [4]uint64 // big-endian limbs: sum[0] is the most significant
}

// CellHash is SHA-256 over
//
//	uint32 BE len(row) | row | uint32 BE len(family) | family |
//	uint32 BE len(qualifier) | qualifier | int64 BE timestamp | uint8 type |
//	uint32 BE len(value) | value
//
// where type is the HBase cell type code (Put = 4, Delete = 8, DeleteFamilyVersion = 10,
// DeleteColumn = 12, DeleteFamily = 14). Tags and sequence ids are not included.
func CellHash(row, family, qualifier []byte, timestamp int64, typ byte, value []byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint32(n[:4], uint32(len(b)))
		h.Write(n[:4])
		h.Write(b)
	}
	put(row)
	put(family)
	put(qualifier)
	binary.BigEndian.PutUint64(n[:], uint64(timestamp))
	h.Write(n[:])
	h.Write([]byte{typ})
	put(value)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// AddHash adds one cell hash.
func (d *Digest) AddHash(h [32]byte) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		d.sum[i], carry = bits.Add64(d.sum[i], binary.BigEndian.Uint64(h[i*8:]), carry)
	}
}

// AddCell adds one cell.
func (d *Digest) AddCell(row, family, qualifier []byte, timestamp int64, typ byte, value []byte) {
	d.AddHash(CellHash(row, family, qualifier, timestamp, typ, value))
}

// Merge adds every cell of o.
func (d *Digest) Merge(o Digest) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		d.sum[i], carry = bits.Add64(d.sum[i], o.sum[i], carry)
	}
}

// String is "cellsum-sha256:" and 64 hex digits.
func (d Digest) String() string {
	var b [32]byte
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[i*8:], d.sum[i])
	}
	return DigestPrefix + hex.EncodeToString(b[:])
}

// ParseDigest reads a digest string written by Digest.String.
func ParseDigest(s string) (Digest, error) {
	h, ok := strings.CutPrefix(s, DigestPrefix)
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b) != 32 {
		return Digest{}, fmt.Errorf("digest %q: must be %s followed by 64 hex digits", s, DigestPrefix)
	}
	var d Digest
	for i := 0; i < 4; i++ {
		d.sum[i] = binary.BigEndian.Uint64(b[i*8:])
	}
	return d, nil
}

// ReadExport reads one SequenceFile written by HBase Export (a part-m-NNNNN file),
// streaming, and returns its row and cell counts and cell digest.
func ReadExport(r io.Reader) (ExportStats, error) {
	return ReadExportWith(r, nil)
}

// ReadExportWith is ReadExport that also marks, in probe (nil: none), the probed rows
// the file holds.
func ReadExportWith(r io.Reader, probe *Probe) (ExportStats, error) {
	var d Digest
	st, err := readExport(r, &d, probe)
	if err != nil {
		return ExportStats{}, err
	}
	st.Digest = d.String()
	return st, nil
}

func readExport(r io.Reader, d *Digest, probe *Probe) (ExportStats, error) {
	s, err := newSeqReader(r)
	if err != nil {
		return ExportStats{}, fmt.Errorf("read export: %w", err)
	}
	if s.keyClass != ExportKeyClass || s.valClass != ExportValueClass {
		return ExportStats{}, fmt.Errorf("read export: sequence file of %s/%s, want %s/%s", s.keyClass, s.valClass, ExportKeyClass, ExportValueClass)
	}
	var st ExportStats
	var prevRow []byte
	havePrev := false
	for rec := 0; ; rec++ {
		key, val, err := s.next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return ExportStats{}, fmt.Errorf("read export: record %d: %w", rec, err)
		}
		row, err := immutableBytes(key)
		if err != nil {
			return ExportStats{}, fmt.Errorf("read export: record %d key: %w", rec, err)
		}
		cells, err := addResult(val, d)
		if err != nil {
			return ExportStats{}, fmt.Errorf("read export: record %d value: %w", rec, err)
		}
		st.Cells += cells
		if !havePrev || !bytes.Equal(row, prevRow) {
			st.Rows++
			probe.observe(row)
			prevRow = append(prevRow[:0], row...)
			havePrev = true
		}
	}
}

// immutableBytes decodes an ImmutableBytesWritable: int32 BE length, bytes.
func immutableBytes(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errors.New("ImmutableBytesWritable shorter than its length")
	}
	n := binary.BigEndian.Uint32(b)
	if int64(n) != int64(len(b)-4) {
		return nil, fmt.Errorf("ImmutableBytesWritable length %d, %d bytes present", n, len(b)-4)
	}
	return b[4:], nil
}

// addResult decodes a value written by ResultSerialization (a varint-delimited
// ClientProtos.Result) and adds its cells to d.
func addResult(b []byte, d *Digest) (int64, error) {
	n, l := protowire.ConsumeVarint(b)
	if l < 0 {
		return 0, fmt.Errorf("Result length: %w", protowire.ParseError(l))
	}
	if uint64(len(b)-l) != n {
		return 0, fmt.Errorf("Result length %d, %d bytes present", n, len(b)-l)
	}
	msg := b[l:]
	var cells, associated int64
	for len(msg) > 0 {
		num, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			return 0, fmt.Errorf("Result tag: %w", protowire.ParseError(l))
		}
		msg = msg[l:]
		switch {
		case num == 1 && typ == protowire.BytesType: // repeated Cell cell
			cb, l := protowire.ConsumeBytes(msg)
			if l < 0 {
				return 0, fmt.Errorf("Result.cell: %w", protowire.ParseError(l))
			}
			msg = msg[l:]
			if err := addCell(cb, d); err != nil {
				return 0, fmt.Errorf("cell %d: %w", cells, err)
			}
			cells++
		case num == 2 && typ == protowire.VarintType: // associated_cell_count
			v, l := protowire.ConsumeVarint(msg)
			if l < 0 {
				return 0, fmt.Errorf("Result.associated_cell_count: %w", protowire.ParseError(l))
			}
			msg = msg[l:]
			associated = int64(v)
		default:
			l := protowire.ConsumeFieldValue(num, typ, msg)
			if l < 0 {
				return 0, fmt.Errorf("Result field %d: %w", num, protowire.ParseError(l))
			}
			msg = msg[l:]
		}
	}
	if associated > 0 {
		return 0, fmt.Errorf("Result has %d cells outside the message (associated_cell_count); not an Export file", associated)
	}
	return cells, nil
}

// addCell decodes a CellProtos.Cell {row=1, family=2, qualifier=3, timestamp=4,
// cell_type=5, value=6, tags=7} and adds it to d.
func addCell(b []byte, d *Digest) error {
	var row, family, qualifier, value []byte
	var ts uint64
	var typ uint64
	for len(b) > 0 {
		num, wt, l := protowire.ConsumeTag(b)
		if l < 0 {
			return fmt.Errorf("tag: %w", protowire.ParseError(l))
		}
		b = b[l:]
		switch {
		case (num == 1 || num == 2 || num == 3 || num == 6) && wt == protowire.BytesType:
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return fmt.Errorf("field %d: %w", num, protowire.ParseError(l))
			}
			b = b[l:]
			switch num {
			case 1:
				row = v
			case 2:
				family = v
			case 3:
				qualifier = v
			case 6:
				value = v
			}
		case (num == 4 || num == 5) && wt == protowire.VarintType:
			v, l := protowire.ConsumeVarint(b)
			if l < 0 {
				return fmt.Errorf("field %d: %w", num, protowire.ParseError(l))
			}
			b = b[l:]
			if num == 4 {
				ts = v
			} else {
				typ = v
			}
		default:
			l := protowire.ConsumeFieldValue(num, wt, b)
			if l < 0 {
				return fmt.Errorf("field %d: %w", num, protowire.ParseError(l))
			}
			b = b[l:]
		}
	}
	if typ > 255 {
		return fmt.Errorf("cell type %d out of range", typ)
	}
	d.AddCell(row, family, qualifier, int64(ts), byte(typ), value)
	return nil
}

// ReadExportDir reads every part file ("part-*") of an Export output directory dir in
// fsys (os.DirFS for a local copy), skipping _SUCCESS, .crc and other hidden files, and
// combines their stats. It fails when there is no part file.
func ReadExportDir(fsys fs.FS, dir string) (ExportStats, error) {
	return ReadExportDirWith(fsys, dir, nil)
}

// ReadExportDirWith is ReadExportDir that also marks, in probe (nil: none), the probed
// rows the export holds.
func ReadExportDirWith(fsys fs.FS, dir string, probe *Probe) (ExportStats, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return ExportStats{}, fmt.Errorf("read export dir %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), "part-") && !strings.HasSuffix(e.Name(), ".crc") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return ExportStats{}, fmt.Errorf("read export dir %s: no part-* files", dir)
	}
	sort.Strings(names)
	var total ExportStats
	var d Digest
	for _, name := range names {
		st, err := readExportFile(fsys, path.Join(dir, name), &d, probe)
		if err != nil {
			return ExportStats{}, err
		}
		total.Rows += st.Rows
		total.Cells += st.Cells
		total.Files++
	}
	total.Digest = d.String()
	return total, nil
}

func readExportFile(fsys fs.FS, name string, d *Digest, probe *Probe) (ExportStats, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return ExportStats{}, fmt.Errorf("read export file %s: %w", name, err)
	}
	defer f.Close()
	st, err := readExport(f, d, probe)
	if err != nil {
		return ExportStats{}, fmt.Errorf("%s: %w", name, err)
	}
	return st, nil
}

// Probe looks for a set of row keys while exports are read: the rows a plan-time sample
// of the live table found must be in the export (unless deleted since). Safe for
// concurrent use.
type Probe struct {
	mu    sync.Mutex
	want  map[string]bool
	found map[string]bool
}

// NewProbe looks for rows.
func NewProbe(rows [][]byte) *Probe {
	p := &Probe{want: make(map[string]bool, len(rows)), found: map[string]bool{}}
	for _, r := range rows {
		p.want[string(r)] = true
	}
	return p
}

func (p *Probe) observe(row []byte) {
	if p == nil || !p.want[string(row)] {
		return
	}
	p.mu.Lock()
	p.found[string(row)] = true
	p.mu.Unlock()
}

// Wanted is the number of distinct rows looked for; Found how many were seen.
func (p *Probe) Wanted() int { return len(p.want) }

// Found is how many of the probed rows were seen.
func (p *Probe) Found() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.found)
}

// Missing lists the probed rows not seen, as the shell prints them (ToStringBinary),
// in key order.
func (p *Probe) Missing() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for r := range p.want {
		if !p.found[r] {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	for i, r := range out {
		out[i] = ToStringBinary([]byte(r))
	}
	return out
}
