package task

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseRate reads a speed in bytes/s: a whole number, or one with K, M or G
// (binary: 1K = 1024), as aria2 and curl take it; "500K", "2M", "1.5M".
func ParseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := 1.0
	if n := len(s); n > 0 {
		switch strings.ToUpper(s[n-1:]) {
		case "K":
			mult = 1 << 10
		case "M":
			mult = 1 << 20
		case "G":
			mult = 1 << 30
		}
		if mult > 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0) || v*mult > 1<<50 || strings.ContainsAny(s, "eExXpP_") { // no NaN, no 1e3 or 0x10

		return 0, fmt.Errorf("%w: a rate is bytes/s like 500K, 2M or 1048576", ErrInvalid)
	}
	return int64(v * mult), nil
}
