package redis

import (
	"testing"
)

// TestPartitionTag_EvenlySpacedSlots: partition p of n hashes into the
// p-th n-th of the slots, by Redis Cluster's hash.
func TestPartitionTag_EvenlySpacedSlots(t *testing.T) {
	for _, n := range []int{2, 3, 7, 16, 64} {
		for p := range n {
			tag := partitionTag(p, n)
			slot := int(crc16([]byte(tag[1:len(tag)-2])) % clusterSlots)
			if lo, hi := p*clusterSlots/n, (p+1)*clusterSlots/n; slot < lo || slot >= hi {
				t.Errorf("partition %d of %d: tag %s in slot %d, want [%d, %d)", p, n, tag, slot, lo, hi)
			}
		}
	}
	// Redis's own examples of CRC16 (cluster spec): "123456789" is 0x31C3.
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3", got)
	}
}
