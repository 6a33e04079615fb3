package watchdog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// HBaseMaster probes HBase the way its clients find it: a ZooKeeper session on one of
// Servers, then an exists of <ZnodeParent>/master, the ephemeral znode the active
// master holds while its session lives. It needs no Kerberos: HBase gives the world read
// on that znode so clients can locate the master. Any server answering with the znode
// present is success.
type HBaseMaster struct {
	// Servers are ZooKeeper host:port addresses (hbase.zookeeper).
	Servers []string
	// ZnodeParent is zookeeper.znode.parent (default /hbase; HDP: /hbase-unsecure or
	// /hbase-secure).
	ZnodeParent string
	// Timeout bounds each server's dial and answers (default 5s).
	Timeout time.Duration
	// Dial opens the connection (nil: net.Dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrNoMaster: ZooKeeper answers but no master is registered.
var ErrNoMaster = errors.New("no HBase master registered")

// Probe is HBaseMaster as a watchdog probe.
func (h HBaseMaster) Probe(ctx context.Context) error {
	if len(h.Servers) == 0 {
		return errors.New("hbase probe: no ZooKeeper server configured")
	}
	parent := h.ZnodeParent
	if parent == "" {
		parent = "/hbase"
	}
	znode := strings.TrimSuffix(parent, "/") + "/master"
	var problems []string
	for _, s := range h.Servers {
		err := h.exists(ctx, s, znode)
		if err == nil {
			return nil
		}
		problems = append(problems, s+": "+err.Error())
	}
	return fmt.Errorf("the HBase master (znode %s, ZooKeeper %s) does not answer: %s", znode, strings.Join(h.Servers, ","), strings.Join(problems, "; "))
}

// ZooKeeper's wire protocol (jute, big-endian, each packet prefixed by its length).
const (
	zkOpExists       = 3
	zkOpCloseSession = -11
	zkErrNoNode      = -101
)

func (h HBaseMaster) exists(ctx context.Context, server, znode string) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	dial := h.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: timeout}
		dial = d.DialContext
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(cctx, "tcp", server)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if d, ok := cctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)

	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut (ms), sessionId, passwd, readOnly.
	var req bytes.Buffer
	be := binary.BigEndian
	_ = binary.Write(&req, be, int32(0))
	_ = binary.Write(&req, be, int64(0))
	_ = binary.Write(&req, be, int32(timeout/time.Millisecond))
	_ = binary.Write(&req, be, int64(0))
	_ = binary.Write(&req, be, int32(16))
	req.Write(make([]byte, 16))
	req.WriteByte(0)
	if err := writePacket(conn, req.Bytes()); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	resp, err := readPacket(conn)
	if err != nil {
		return fmt.Errorf("no session (ZooKeeper does not answer): %w", err)
	}
	if len(resp) < 16 {
		return fmt.Errorf("no session: short answer (%d bytes)", len(resp))
	}
	if to := int32(be.Uint32(resp[4:8])); to <= 0 {
		return errors.New("no session: ZooKeeper refused it")
	}
	defer func() { // close the session, best effort
		var c bytes.Buffer
		_ = binary.Write(&c, be, int32(2))
		_ = binary.Write(&c, be, int32(zkOpCloseSession))
		_ = writePacket(conn, c.Bytes())
	}()

	// exists(znode, watch=false)
	var ex bytes.Buffer
	_ = binary.Write(&ex, be, int32(1))
	_ = binary.Write(&ex, be, int32(zkOpExists))
	_ = binary.Write(&ex, be, int32(len(znode)))
	ex.WriteString(znode)
	ex.WriteByte(0)
	if err := writePacket(conn, ex.Bytes()); err != nil {
		return fmt.Errorf("exists %s: %w", znode, err)
	}
	for {
		r, err := readPacket(conn)
		if err != nil {
			return fmt.Errorf("exists %s: no answer: %w", znode, err)
		}
		if len(r) < 16 {
			return fmt.Errorf("exists %s: short answer (%d bytes)", znode, len(r))
		}
		if xid := int32(be.Uint32(r[0:4])); xid != 1 {
			continue // a ping or notification
		}
		switch code := int32(be.Uint32(r[12:16])); code {
		case 0:
			return nil
		case zkErrNoNode:
			return fmt.Errorf("%w (ZooKeeper answers, %s is absent)", ErrNoMaster, znode)
		default:
			return fmt.Errorf("exists %s: ZooKeeper error %d", znode, code)
		}
	}
}

func writePacket(w io.Writer, b []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	_, err := w.Write(append(n[:], b...))
	return err
}

func readPacket(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 1<<20 {
		return nil, fmt.Errorf("answer of %d bytes: not ZooKeeper", size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}
