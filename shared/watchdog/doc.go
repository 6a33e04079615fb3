// Package watchdog tells a slow job from a dead one: a job that polls RUNNING but shows
// no progress (no new map progress, counters or step in its output) for a configured
// time gets a probe of the service it needs (HBase: ZooKeeper and the master's znode);
// when the probe fails too, the part fails with a *Stalled error naming the service,
// instead of polling until the part's deadline.
//
// The state a watch needs (the last progress mark and since when) is a small JSON value,
// so the Lambda path carries it in the state machine's task state between polls and the
// CLI keeps it in a loop; both decide with the same pure function (Watch.Observe) on an
// injected clock.
package watchdog
