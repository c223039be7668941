package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// namedDateFormats are Django's named formats (en locale).
var namedDateFormats = map[string]string{
	"DATE_FORMAT":           "N j, Y",
	"DATETIME_FORMAT":       "N j, Y, P",
	"SHORT_DATE_FORMAT":     "m/d/Y",
	"SHORT_DATETIME_FORMAT": "m/d/Y P",
	"TIME_FORMAT":           "P",
	"YEAR_MONTH_FORMAT":     "F Y",
	"MONTH_DAY_FORMAT":      "F j",
}

// toTime returns the time a date filter's value holds: a time.Time or a
// non-nil *time.Time.
func toTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case *time.Time:
		if v != nil {
			return *v, true
		}
	}
	return time.Time{}, false
}

// date is `date "Y-m-d H:i"`, `date "N j, Y"` or `date` (DATE_FORMAT):
// the time formatted with Django's format characters (see formatDate).
// A value that is not a time, or the zero time, gives "".
func date(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("date", args)
	if err != nil {
		return "", err
	}
	t, ok := toTime(v)
	if !ok || t.IsZero() {
		return "", nil
	}
	format := "DATE_FORMAT"
	if hasArg {
		format = toString(arg)
	}
	if named, ok := namedDateFormats[format]; ok {
		format = named
	}
	return formatDate(t, format), nil
}

var apMonths = [...]string{"Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}

// formatDate formats t with Django's date format characters: a A b c d D e
// E f F g G h H i I j l L m M n N o O P r s S t T u U w W y Y z Z; a
// backslash quotes the next character; any other character is copied.
func formatDate(t time.Time, format string) string {
	var b strings.Builder
	pad := func(n int) string { return fmt.Sprintf("%02d", n) }
	hour12 := func() int {
		if h := t.Hour() % 12; h != 0 {
			return h
		}
		return 12
	}
	ampm := func() string {
		if t.Hour() < 12 {
			return "a.m."
		}
		return "p.m."
	}
	f := func() string { // "1", "1:30"
		if t.Minute() == 0 {
			return strconv.Itoa(hour12())
		}
		return strconv.Itoa(hour12()) + ":" + pad(t.Minute())
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case '\\':
			if i+1 < len(format) {
				i++
				b.WriteByte(format[i])
			}
		case 'a':
			b.WriteString(ampm())
		case 'A':
			b.WriteString(t.Format("PM"))
		case 'b':
			b.WriteString(strings.ToLower(t.Format("Jan")))
		case 'c':
			b.WriteString(t.Format("2006-01-02T15:04:05.999999-07:00"))
		case 'd':
			b.WriteString(pad(t.Day()))
		case 'D':
			b.WriteString(t.Format("Mon"))
		case 'e', 'T':
			b.WriteString(t.Format("MST"))
		case 'E', 'F':
			b.WriteString(t.Month().String())
		case 'f':
			b.WriteString(f())
		case 'g':
			b.WriteString(strconv.Itoa(hour12()))
		case 'G':
			b.WriteString(strconv.Itoa(t.Hour()))
		case 'h':
			b.WriteString(pad(hour12()))
		case 'H':
			b.WriteString(pad(t.Hour()))
		case 'i':
			b.WriteString(pad(t.Minute()))
		case 'I':
			if t.IsDST() {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		case 'j':
			b.WriteString(strconv.Itoa(t.Day()))
		case 'l':
			b.WriteString(t.Weekday().String())
		case 'L':
			if daysIn(t.Year(), time.February) == 29 {
				b.WriteString("True")
			} else {
				b.WriteString("False")
			}
		case 'm':
			b.WriteString(pad(int(t.Month())))
		case 'M':
			b.WriteString(t.Format("Jan"))
		case 'n':
			b.WriteString(strconv.Itoa(int(t.Month())))
		case 'N':
			b.WriteString(apMonths[t.Month()-1])
		case 'o':
			y, _ := t.ISOWeek()
			b.WriteString(strconv.Itoa(y))
		case 'O':
			b.WriteString(t.Format("-0700"))
		case 'P':
			switch {
			case t.Hour() == 0 && t.Minute() == 0:
				b.WriteString("midnight")
			case t.Hour() == 12 && t.Minute() == 0:
				b.WriteString("noon")
			default:
				b.WriteString(f() + " " + ampm())
			}
		case 'r':
			b.WriteString(t.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
		case 's':
			b.WriteString(pad(t.Second()))
		case 'S':
			b.WriteString(ordinalSuffix(t.Day()))
		case 't':
			b.WriteString(strconv.Itoa(daysIn(t.Year(), t.Month())))
		case 'u':
			b.WriteString(fmt.Sprintf("%06d", t.Nanosecond()/1000))
		case 'U':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'W':
			_, w := t.ISOWeek()
			b.WriteString(strconv.Itoa(w))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'z':
			b.WriteString(strconv.Itoa(t.YearDay()))
		case 'Z':
			_, off := t.Zone()
			b.WriteString(strconv.Itoa(off))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func ordinalSuffix(day int) string {
	if day >= 11 && day <= 13 {
		return "th"
	}
	switch day % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// timesince is `timesince` or `{{.Posted | timesince .Now}}`: the time
// from the value to now (or to the argument) in at most two adjacent
// units, "4\u00a0days, 6\u00a0hours"; "0\u00a0minutes" when the value is
// not in the past. A value that is not a time gives "".
func timesince(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("timesince", args)
	if err != nil {
		return "", err
	}
	d, ok := toTime(v)
	if !ok {
		return "", nil
	}
	now := time.Now()
	if hasArg {
		if now, ok = toTime(arg); !ok {
			return "", nil
		}
	}
	return since(d, now), nil
}

// timeuntil is `timeuntil` or `{{.Starts | timeuntil .Now}}`: like
// timesince, from now (or the argument) to the value.
func timeuntil(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("timeuntil", args)
	if err != nil {
		return "", err
	}
	d, ok := toTime(v)
	if !ok {
		return "", nil
	}
	now := time.Now()
	if hasArg {
		if now, ok = toTime(arg); !ok {
			return "", nil
		}
	}
	return since(now, d), nil
}

var sinceUnits = [...]string{"year", "month", "week", "day", "hour", "minute"}

// since is Django's timesince(d, now) with depth 2: calendar years and
// months, then weeks, days, hours and minutes; seconds are ignored.
func since(d, now time.Time) string {
	now = now.In(d.Location())
	if !now.After(d) {
		return "0\u00a0minutes"
	}
	months := (now.Year()-d.Year())*12 + int(now.Month()-d.Month())
	dClock := time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute + time.Duration(d.Second())*time.Second + time.Duration(d.Nanosecond())
	nClock := time.Duration(now.Hour())*time.Hour + time.Duration(now.Minute())*time.Minute + time.Duration(now.Second())*time.Second + time.Duration(now.Nanosecond())
	if d.Day() > now.Day() || (d.Day() == now.Day() && dClock > nClock) {
		months--
	}
	years, months := months/12, months%12
	py, pm := d.Year()+years, int(d.Month())+months
	if pm > 12 {
		py, pm = py+1, pm-12
	}
	day := min(d.Day(), daysIn(py, time.Month(pm)))
	pivot := time.Date(py, time.Month(pm), day, d.Hour(), d.Minute(), d.Second(), d.Nanosecond(), d.Location())
	rest := int64(now.Sub(pivot) / time.Second)
	parts := [6]int64{int64(years), int64(months)}
	for i, chunk := range [...]int64{7 * 24 * 3600, 24 * 3600, 3600, 60} {
		parts[2+i] = rest / chunk
		rest -= parts[2+i] * chunk
	}
	i := 0
	for i < len(parts) && parts[i] == 0 {
		i++
	}
	if i == len(parts) {
		return "0\u00a0minutes"
	}
	var out []string
	for depth := 0; i < len(parts) && depth < 2 && parts[i] != 0; i, depth = i+1, depth+1 {
		unit := sinceUnits[i]
		if parts[i] != 1 {
			unit += "s"
		}
		out = append(out, strconv.FormatInt(parts[i], 10)+"\u00a0"+unit)
	}
	return strings.Join(out, ", ")
}
