package hbase

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/golang/snappy"
)

// MaxRecordSize bounds one SequenceFile record, one compressed block buffer and its
// decompressed form. Memory use of ReadExport is a few times this at worst, independent
// of the file size.
const MaxRecordSize = 256 << 20

const (
	seqSyncEscape = -1
	seqSyncSize   = 16
)

// seqReader reads Hadoop SequenceFiles (org.apache.hadoop.io.SequenceFile, version 6):
//
//	header: "SEQ" 6, key class (Text), value class (Text), compressed (bool),
//	        block-compressed (bool), [codec class (Text)], metadata (int32 count, Text
//	        pairs), 16-byte sync marker
//	record: int32 record length (-1 = sync escape, then the 16-byte sync), int32 key
//	        length, key, value (record-compressed: the value alone is compressed)
//	block:  sync escape and sync, vint record count, then four (vint length, compressed
//	        bytes) buffers: key lengths (vints), keys, value lengths (vints), values
type seqReader struct {
	r          *bufio.Reader
	keyClass   string
	valClass   string
	compressed bool
	block      bool
	codec      string
	decompress func(src []byte) ([]byte, error)
	sync       [seqSyncSize]byte
	metadata   map[string]string

	// block state
	n                      int
	keyLens, keys          *bytes.Reader
	valLens, vals          *bytes.Reader
	keyBuf, valBuf, recBuf []byte
}

func newSeqReader(r io.Reader) (*seqReader, error) {
	s := &seqReader{r: bufio.NewReaderSize(r, 64<<10)}
	var magic [4]byte
	if _, err := io.ReadFull(s.r, magic[:]); err != nil {
		return nil, fmt.Errorf("sequence file header: %w", noEOF(err))
	}
	if string(magic[:3]) != "SEQ" {
		return nil, fmt.Errorf("sequence file header: magic %q, want \"SEQ\"", magic[:3])
	}
	if magic[3] != 6 {
		return nil, fmt.Errorf("sequence file header: version %d, only 6 is supported", magic[3])
	}
	var err error
	if s.keyClass, err = readText(s.r); err != nil {
		return nil, fmt.Errorf("sequence file key class: %w", err)
	}
	if s.valClass, err = readText(s.r); err != nil {
		return nil, fmt.Errorf("sequence file value class: %w", err)
	}
	flags := make([]byte, 2)
	if _, err := io.ReadFull(s.r, flags); err != nil {
		return nil, fmt.Errorf("sequence file compression flags: %w", noEOF(err))
	}
	s.compressed, s.block = flags[0] != 0, flags[1] != 0
	if s.block && !s.compressed {
		return nil, fmt.Errorf("sequence file: block-compressed but not compressed")
	}
	if s.compressed {
		if s.codec, err = readText(s.r); err != nil {
			return nil, fmt.Errorf("sequence file codec: %w", err)
		}
		if s.decompress, err = decompressorFor(s.codec); err != nil {
			return nil, err
		}
	}
	var count int32
	if err := binary.Read(s.r, binary.BigEndian, &count); err != nil {
		return nil, fmt.Errorf("sequence file metadata: %w", noEOF(err))
	}
	if count < 0 || count > 1<<16 {
		return nil, fmt.Errorf("sequence file metadata: %d entries", count)
	}
	s.metadata = map[string]string{}
	for i := int32(0); i < count; i++ {
		k, err := readText(s.r)
		if err != nil {
			return nil, fmt.Errorf("sequence file metadata key: %w", err)
		}
		v, err := readText(s.r)
		if err != nil {
			return nil, fmt.Errorf("sequence file metadata value: %w", err)
		}
		s.metadata[k] = v
	}
	if _, err := io.ReadFull(s.r, s.sync[:]); err != nil {
		return nil, fmt.Errorf("sequence file sync marker: %w", noEOF(err))
	}
	return s, nil
}

// next returns the next key and value; the slices are valid until the following call.
// It returns io.EOF after the last record.
func (s *seqReader) next() (key, val []byte, err error) {
	if s.block {
		return s.nextInBlock()
	}
	length, err := s.readInt32()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	if err != nil {
		return nil, nil, fmt.Errorf("record length: %w", err)
	}
	if length == seqSyncEscape {
		if err := s.checkSync(); err != nil {
			return nil, nil, err
		}
		length, err = s.readInt32()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		if err != nil {
			return nil, nil, fmt.Errorf("record length: %w", err)
		}
	}
	keyLen, err := s.readInt32()
	if err != nil {
		return nil, nil, fmt.Errorf("key length: %w", noEOF(err))
	}
	if length < 0 || keyLen < 0 || keyLen > length || length > MaxRecordSize {
		return nil, nil, fmt.Errorf("record: length %d, key length %d (limit %d)", length, keyLen, MaxRecordSize)
	}
	s.recBuf = grow(s.recBuf, int(length))
	if _, err := io.ReadFull(s.r, s.recBuf); err != nil {
		return nil, nil, fmt.Errorf("record body: %w", noEOF(err))
	}
	key, val = s.recBuf[:keyLen], s.recBuf[keyLen:]
	if s.compressed {
		if val, err = s.decompress(val); err != nil {
			return nil, nil, fmt.Errorf("record value (%s): %w", s.codec, err)
		}
	}
	return key, val, nil
}

func (s *seqReader) nextInBlock() (key, val []byte, err error) {
	if s.n == 0 {
		if err := s.readBlock(); err != nil {
			return nil, nil, err
		}
	}
	kl, err := readVLong(s.keyLens)
	if err != nil {
		return nil, nil, fmt.Errorf("block key length: %w", noEOF(err))
	}
	vl, err := readVLong(s.valLens)
	if err != nil {
		return nil, nil, fmt.Errorf("block value length: %w", noEOF(err))
	}
	if kl < 0 || vl < 0 || kl > int64(s.keys.Len()) || vl > int64(s.vals.Len()) {
		return nil, nil, fmt.Errorf("block record: key length %d, value length %d beyond the block", kl, vl)
	}
	s.keyBuf = grow(s.keyBuf, int(kl))
	s.valBuf = grow(s.valBuf, int(vl))
	_, _ = io.ReadFull(s.keys, s.keyBuf)
	_, _ = io.ReadFull(s.vals, s.valBuf)
	s.n--
	return s.keyBuf, s.valBuf, nil
}

func (s *seqReader) readBlock() error {
	esc, err := s.readInt32()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		return fmt.Errorf("block sync: %w", err)
	}
	if esc != seqSyncEscape {
		return fmt.Errorf("block: want sync escape -1, got %d", esc)
	}
	if err := s.checkSync(); err != nil {
		return err
	}
	n, err := readVLong(s.r)
	if err != nil {
		return fmt.Errorf("block record count: %w", noEOF(err))
	}
	if n <= 0 || n > MaxRecordSize {
		return fmt.Errorf("block record count %d", n)
	}
	bufs := make([]*bytes.Reader, 4)
	for i := range bufs {
		l, err := readVLong(s.r)
		if err != nil {
			return fmt.Errorf("block buffer %d length: %w", i, noEOF(err))
		}
		if l < 0 || l > MaxRecordSize {
			return fmt.Errorf("block buffer %d length %d (limit %d)", i, l, MaxRecordSize)
		}
		comp := make([]byte, l)
		if _, err := io.ReadFull(s.r, comp); err != nil {
			return fmt.Errorf("block buffer %d: %w", i, noEOF(err))
		}
		raw, err := s.decompress(comp)
		if err != nil {
			return fmt.Errorf("block buffer %d (%s): %w", i, s.codec, err)
		}
		bufs[i] = bytes.NewReader(raw)
	}
	s.n = int(n)
	s.keyLens, s.keys, s.valLens, s.vals = bufs[0], bufs[1], bufs[2], bufs[3]
	return nil
}

func (s *seqReader) checkSync() error {
	var got [seqSyncSize]byte
	if _, err := io.ReadFull(s.r, got[:]); err != nil {
		return fmt.Errorf("sync marker: %w", noEOF(err))
	}
	if got != s.sync {
		return fmt.Errorf("sync marker mismatch: file is corrupt")
	}
	return nil
}

// readInt32 returns io.EOF only when no byte at all is left.
func (s *seqReader) readInt32() (int32, error) {
	var b [4]byte
	n, err := io.ReadFull(s.r, b[:])
	if n == 0 && err == io.EOF {
		return 0, io.EOF
	}
	if err != nil {
		return 0, noEOF(err)
	}
	return int32(binary.BigEndian.Uint32(b[:])), nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readVLong decodes Hadoop's WritableUtils zero-compressed vlong.
func readVLong(r io.ByteReader) (int64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	first := int8(b)
	if first >= -112 {
		return int64(first), nil
	}
	neg := first < -120
	n := int(-112 - int(first))
	if neg {
		n = int(-120 - int(first))
	}
	var v int64
	for i := 0; i < n; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, noEOF(err)
		}
		v = v<<8 | int64(c)
	}
	if neg {
		v = ^v
	}
	return v, nil
}

// readText reads a Hadoop Text: vint byte length, UTF-8 bytes.
func readText(r *bufio.Reader) (string, error) {
	n, err := readVLong(r)
	if err != nil {
		return "", noEOF(err)
	}
	if n < 0 || n > 1<<20 {
		return "", fmt.Errorf("text length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", noEOF(err)
	}
	return string(b), nil
}

// decompressorFor returns a function that decompresses one SequenceFile value or block
// buffer written by the Hadoop codec class.
func decompressorFor(codec string) (func([]byte) ([]byte, error), error) {
	switch codec {
	case "org.apache.hadoop.io.compress.DefaultCodec", "org.apache.hadoop.io.compress.DeflateCodec":
		return func(src []byte) ([]byte, error) {
			zr, err := zlib.NewReader(bytes.NewReader(src))
			if err != nil {
				return nil, err
			}
			defer zr.Close()
			return readLimited(zr)
		}, nil
	case "org.apache.hadoop.io.compress.GzipCodec":
		return func(src []byte) ([]byte, error) {
			zr, err := gzip.NewReader(bytes.NewReader(src))
			if err != nil {
				return nil, err
			}
			defer zr.Close()
			return readLimited(zr)
		}, nil
	case "org.apache.hadoop.io.compress.SnappyCodec":
		return hadoopSnappy, nil
	default:
		return nil, fmt.Errorf("sequence file codec %s: not supported (DefaultCodec, DeflateCodec, GzipCodec, SnappyCodec are)", codec)
	}
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("decompressed data over %d bytes", MaxRecordSize)
	}
	return b, nil
}

// hadoopSnappy decodes Hadoop's BlockCompressorStream framing around raw snappy:
// repeated (int32 uncompressed length, then (int32 chunk length, chunk) until that many
// bytes are produced).
func hadoopSnappy(src []byte) ([]byte, error) {
	var out []byte
	for len(src) > 0 {
		if len(src) < 4 {
			return nil, errors.New("snappy block: truncated length")
		}
		want := int(binary.BigEndian.Uint32(src))
		src = src[4:]
		if want < 0 || len(out)+want > MaxRecordSize {
			return nil, fmt.Errorf("snappy block: %d bytes over the limit", want)
		}
		got := 0
		for got < want {
			if len(src) < 4 {
				return nil, errors.New("snappy chunk: truncated length")
			}
			cl := int(binary.BigEndian.Uint32(src))
			src = src[4:]
			if cl < 0 || cl > len(src) {
				return nil, errors.New("snappy chunk: truncated")
			}
			dec, err := snappy.Decode(nil, src[:cl])
			if err != nil {
				return nil, fmt.Errorf("snappy chunk: %w", err)
			}
			src = src[cl:]
			out = append(out, dec...)
			got += len(dec)
		}
		if got != want {
			return nil, fmt.Errorf("snappy block: %d bytes, header says %d", got, want)
		}
	}
	return out, nil
}
