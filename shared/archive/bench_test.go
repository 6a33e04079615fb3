package archive_test

// BenchmarkArchiveUpload archives a synthetic folder and uploads it to the file
// store, and to S3 when AWS_ENDPOINT_URL is set (moto from scripts/stack):
//
//	ARCHIVE_BENCH_BYTES=1073741824 go test -run '^$' -bench ArchiveUpload -benchtime 3x ./shared/archive/
//
// The folder (ARCHIVE_BENCH_BYTES, default 64 MiB) is half incompressible random
// files of up to 16 MiB, a quarter compressible 256 KiB property files and a
// quarter 16 KiB files. Reported: MB/s of folder bytes, peak-RSS-MiB (the
// process's VmHWM, reset before each sub-benchmark where the kernel allows) and
// the compression ratio.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

func BenchmarkArchiveUpload(b *testing.B) {
	total := int64(64 << 20)
	if v := os.Getenv("ARCHIVE_BENCH_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("ARCHIVE_BENCH_BYTES=%q: want a positive number of bytes", v)
		}
		total = n
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "conf")
	written := benchFolder(b, src, total)
	ctx := context.Background()

	run := func(b *testing.B, st store.Store) {
		resetPeakRSS()
		b.SetBytes(written)
		var res archive.Result
		for i := 0; b.Loop(); i++ {
			key := fmt.Sprintf("bench/%d/config/atlas-conf.tar.gz", i)
			var err error
			if res, err = archive.Upload(ctx, st, key, src); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := st.Delete(ctx, key); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(peakRSSMiB(b), "peak-RSS-MiB")
		b.ReportMetric(float64(written)/float64(res.Size), "ratio")
	}

	b.Run("file", func(b *testing.B) {
		st, err := store.NewFile(filepath.Join(dir, "store"))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Mkdir(st.Root(), 0o700); err != nil {
			b.Fatal(err)
		}
		run(b, st)
	})
	b.Run("s3", func(b *testing.B) {
		if env, _ := stacktest.Load(); len(env.Missing(stacktest.AWS...)) > 0 {
			b.Skip("no S3 to upload to: the local stack is not up (scripts/stack up)")
		}
		c, err := store.NewS3Client(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		bucket := fmt.Sprintf("archive-bench-%d", time.Now().UnixNano())
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			b.Fatal(err)
		}
		defer c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
		run(b, store.NewS3(c, bucket, store.S3Options{}))
	})
}

// benchFolder writes about total bytes of mixed files under dir and returns
// the exact count.
func benchFolder(b *testing.B, dir string, total int64) int64 {
	b.Helper()
	rng := rand.NewChaCha8([32]byte{42})
	var written int64
	write := func(rel string, size int64, fill func(w io.Writer, n int64) error) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 64<<10)
		if err := fill(bw, size); err != nil {
			b.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		written += size
	}
	random := func(w io.Writer, n int64) error {
		_, err := io.CopyN(w, rng, n)
		return err
	}
	text := func(w io.Writer, n int64) error {
		var line strings.Builder
		for i := 0; n > 0; i++ {
			line.Reset()
			fmt.Fprintf(&line, "atlas.synthetic.property.%d=value-%d-%08x\n", i, i%977, uint32(rng.Uint64()))
			s := line.String()
			if int64(len(s)) > n {
				s = s[:n]
			}
			if _, err := io.WriteString(w, s); err != nil {
				return err
			}
			n -= int64(len(s))
		}
		return nil
	}
	fill := func(sub string, budget, each int64, fn func(io.Writer, int64) error) {
		for i := 0; budget > 0; i++ {
			n := min(each, budget)
			write(fmt.Sprintf("%s/%04d/f%05d", sub, i/256, i), n, fn)
			budget -= n
		}
	}
	fill("random", total/2, 16<<20, random)
	fill("text", total/4, 256<<10, text)
	fill("small", total-total/2-total/4, 16<<10, text)
	return written
}

// resetPeakRSS resets VmHWM (Linux >= 4.0); where it cannot, the figure covers
// the whole process so far.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSSMiB(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Logf("peak RSS unavailable: %v", err)
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
