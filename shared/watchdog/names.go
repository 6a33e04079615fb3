package watchdog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	serverRe = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*:([0-9]{1,5})$`)
	znodeRe  = regexp.MustCompile(`^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$`)
)

// ValidateServer checks a ZooKeeper address (hbase.zookeeper[]): host:port, the host a
// DNS name or IPv4 address, the port 1-65535.
func ValidateServer(s string) error {
	const rule = "must be host:port (a DNS name or IPv4 address of ASCII letters, digits, - and ., and a port 1-65535)"
	m := serverRe.FindStringSubmatch(s)
	if len(s) > 255 || m == nil {
		return fmt.Errorf("%.80q: %s", s, rule)
	}
	if p, err := strconv.Atoi(m[5]); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%.80q: port: %s", s, rule)
	}
	return nil
}

// ValidateZnodeParent checks zookeeper.znode.parent (hbase.znodeParent): an absolute
// znode path of segments of letters, digits and ._- (none starting with .), at most
// 255 characters.
func ValidateZnodeParent(s string) error {
	if len(s) > 255 || !znodeRe.MatchString(s) || strings.Contains(s, "//") {
		return fmt.Errorf("%.80q: must be an absolute znode path such as /hbase or /hbase-unsecure (segments of letters, digits and ._-, none starting with .)", s)
	}
	return nil
}
