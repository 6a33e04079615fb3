package runner

import (
	"fmt"
	"regexp"
)

var (
	instanceIDRe = regexp.MustCompile(`^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$`)
	clusterIDRe  = regexp.MustCompile(`^j-[0-9A-Z]{1,64}$`)
)

// ValidateInstanceID is the one rule for an EC2 or SSM managed instance id
// (hbase.runner.instanceId, atlas.agentInstanceId, the SSM runner's target): i- and 8 or
// 17 hex digits, or mi- and 17.
func ValidateInstanceID(id string) error {
	if !instanceIDRe.MatchString(id) {
		return fmt.Errorf("instance id %.40q: must be an EC2 or managed instance id (i-0123456789abcdef0, mi-…)", id)
	}
	return nil
}

// ValidateClusterID is the one rule for an EMR cluster id (hbase.runner.clusterId, the EMR
// runner's JobFlowId): j- and upper-case letters and digits.
func ValidateClusterID(id string) error {
	if !clusterIDRe.MatchString(id) {
		return fmt.Errorf("cluster id %.40q: must be an EMR cluster id (j-…)", id)
	}
	return nil
}
