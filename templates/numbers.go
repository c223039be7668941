package templates

import (
	"math"
	"strconv"
	"strings"
)

// filesizeformat is `filesizeformat`: a byte count for people ("117.7
// MB", "1 byte"), in powers of 1024, with a non-breaking space so that
// number and unit stay together. Values that are not numbers give "0
// bytes".
func filesizeformat(v any) string {
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return "0\u00a0bytes"
	}
	neg := f < 0
	f = math.Abs(f)
	const kb = 1 << 10
	var s string
	switch {
	case f < kb:
		n := int64(f)
		if n == 1 {
			s = "1\u00a0byte"
		} else {
			s = strconv.FormatInt(n, 10) + "\u00a0bytes"
		}
	default:
		units := []string{"KB", "MB", "GB", "TB", "PB"}
		i, size := 0, f/kb
		for size >= kb && i < len(units)-1 {
			size /= kb
			i++
		}
		s = roundHalfUp(size, 1) + "\u00a0" + units[i]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// floatformat is `floatformat`, `floatformat 2`, `floatformat -2`,
// `floatformat 0`, Django's rules: with no argument (-1), one decimal
// place only when there is a fractional part; with n > 0 exactly n
// places; with n < 0, |n| places only when there is a fractional part;
// rounding half up. A value that is not a number gives "". An argument
// that is not an integer, or beyond ±maxFloatPlaces, gives the value as
// it is.
func floatformat(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("floatformat", args)
	if err != nil {
		return "", err
	}
	places := -1
	if hasArg {
		n, ok := toInt(arg)
		if !ok || n > maxFloatPlaces || n < -maxFloatPlaces {
			return toString(v), nil
		}
		places = n
	}
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", nil
	}
	if places < 0 && f == math.Trunc(f) {
		return roundHalfUp(f, 0), nil
	}
	if places < 0 {
		places = -places
	}
	return roundHalfUp(f, places), nil
}

// maxFloatPlaces bounds floatformat's argument: more places than a
// float64 has digits say nothing, and a huge count would make a huge string
// (or, at math.MinInt, a negative one).
const maxFloatPlaces = 1000

// roundHalfUp formats f with exactly places decimals, rounding half away
// from zero on f's shortest decimal representation (34.25 → "34.3", as
// Python's Decimal(repr(f)) does), without a "-" for a result of zero.
func roundHalfUp(f float64, places int) string {
	neg := f < 0
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) > places {
		roundUp := frac[places] >= '5'
		digits := []byte(intPart + frac[:places])
		if roundUp {
			i := len(digits) - 1
			for ; i >= 0; i-- {
				if digits[i] == '9' {
					digits[i] = '0'
					continue
				}
				digits[i]++
				break
			}
			if i < 0 {
				digits = append([]byte{'1'}, digits...)
			}
		}
		intPart = string(digits[:len(digits)-places])
		frac = string(digits[len(digits)-places:])
	} else {
		frac += strings.Repeat("0", places-len(frac))
	}
	out := intPart
	if places > 0 {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}
