package forms

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// message returns the English message for a failed validator tag, in
// Django's words where Django has them. custom holds the messages of
// validations registered on the Validator; label names a field by its Go
// name (for eqfield).
func message(fe validator.FieldError, custom map[string]string, label func(goName string) string) string {
	tag, param := fe.Tag(), fe.Param()
	if msg, ok := custom[tag]; ok {
		return strings.ReplaceAll(msg, "{param}", param)
	}
	kind := fe.Kind()
	isTime := fe.Type() == timeType
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_with_all",
		"required_without", "required_without_all":
		return "This field is required."
	case "email":
		return "Enter a valid email address."
	case "url", "http_url", "https_url", "uri", "url_encoded":
		return "Enter a valid URL."
	case "numeric", "number":
		return "Enter a number."
	case "alpha", "alphaunicode":
		return "Enter only letters."
	case "alphanum", "alphanumunicode":
		return "Enter only letters and numbers."
	case "uuid", "uuid3", "uuid4", "uuid5", "uuid_rfc4122", "uuid4_rfc4122":
		return "Enter a valid UUID."
	case "ip", "ip_addr":
		return "Enter a valid IPv4 or IPv6 address."
	case "ipv4", "ip4_addr":
		return "Enter a valid IPv4 address."
	case "ipv6", "ip6_addr":
		return "Enter a valid IPv6 address."
	case "datetime":
		return "Enter a valid date/time."
	case "boolean":
		return "Enter a valid boolean."
	case "json":
		return "Enter a valid JSON."
	case "e164":
		return "Enter a valid phone number."
	case "hexcolor", "rgb", "rgba", "hsl", "hsla", "iscolor":
		return "Enter a valid color."
	case "lowercase":
		return "Ensure this value is lowercase."
	case "uppercase":
		return "Ensure this value is uppercase."
	case "contains":
		return fmt.Sprintf("Ensure this value contains %q.", param)
	case "excludes":
		return fmt.Sprintf("Ensure this value does not contain %q.", param)
	case "startswith":
		return fmt.Sprintf("Ensure this value starts with %q.", param)
	case "endswith":
		return fmt.Sprintf("Ensure this value ends with %q.", param)
	case "oneof":
		return fmt.Sprintf("Select a valid choice. %v is not one of the available choices.", display(fe.Value()))
	case "eqfield":
		return fmt.Sprintf("Ensure this value matches the %s field.", label(param))
	case "nefield":
		return fmt.Sprintf("Ensure this value differs from the %s field.", label(param))
	case "gtfield", "gtefield", "ltfield", "ltefield":
		op := map[string]string{"gtfield": "greater than", "gtefield": "greater than or equal to",
			"ltfield": "less than", "ltefield": "less than or equal to"}[tag]
		return fmt.Sprintf("Ensure this value is %s the %s field.", op, label(param))
	case "max", "lte", "min", "gte", "len", "eq", "lt", "gt", "ne":
		return bound(tag, param, kind, isTime, fe.Value())
	}
	return "Enter a valid value."
}

// bound words the size and range tags: characters for strings, items for
// slices and maps, the value for numbers.
func bound(tag, param string, kind reflect.Kind, isTime bool, value any) string {
	if isTime {
		switch tag {
		case "gt", "gte":
			return "Ensure this date is in the future."
		case "lt", "lte":
			return "Ensure this date is in the past."
		}
		return "Enter a valid date."
	}
	unit, count := "", 0
	switch kind {
	case reflect.String:
		unit = "character"
		if rv := reflect.ValueOf(value); rv.Kind() == reflect.String {
			count = utf8.RuneCountInString(rv.String())
		}
	case reflect.Slice, reflect.Map, reflect.Array:
		unit = "item"
		if rv := reflect.ValueOf(value); rv.IsValid() {
			count = rv.Len()
		}
	}
	if unit != "" {
		n := 0
		fmt.Sscan(param, &n)
		units := unit
		if n != 1 {
			units += "s"
		}
		switch tag {
		case "max", "lte":
			return fmt.Sprintf("Ensure this value has at most %s %s (it has %d).", param, units, count)
		case "lt":
			return fmt.Sprintf("Ensure this value has fewer than %s %s (it has %d).", param, units, count)
		case "min", "gte":
			return fmt.Sprintf("Ensure this value has at least %s %s (it has %d).", param, units, count)
		case "gt":
			return fmt.Sprintf("Ensure this value has more than %s %s (it has %d).", param, units, count)
		case "len", "eq":
			return fmt.Sprintf("Ensure this value has exactly %s %s (it has %d).", param, units, count)
		}
		return "Enter a valid value."
	}
	switch tag {
	case "max", "lte":
		return fmt.Sprintf("Ensure this value is less than or equal to %s.", param)
	case "lt":
		return fmt.Sprintf("Ensure this value is less than %s.", param)
	case "min", "gte":
		return fmt.Sprintf("Ensure this value is greater than or equal to %s.", param)
	case "gt":
		return fmt.Sprintf("Ensure this value is greater than %s.", param)
	case "len", "eq":
		return fmt.Sprintf("Ensure this value is equal to %s.", param)
	case "ne":
		return fmt.Sprintf("Ensure this value is not %s.", param)
	}
	return "Enter a valid value."
}

// display shows a submitted value in a message, shortened.
func display(v any) string {
	s := fmt.Sprint(v)
	if utf8.RuneCountInString(s) > 50 {
		s = string([]rune(s)[:50]) + "…"
	}
	return s
}

// conversionMessage is the message for a value that does not convert to
// the field's type.
func conversionMessage(t reflect.Type, widget string) string {
	t = indirect(t)
	if t.Kind() == reflect.Slice && t != fileSliceType {
		t = indirect(t.Elem())
	}
	if t == timeType {
		if widget == "date" {
			return "Enter a valid date."
		}
		if widget == "time" {
			return "Enter a valid time."
		}
		return "Enter a valid date/time."
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "Enter a whole number."
	case reflect.Float32, reflect.Float64:
		return "Enter a number."
	case reflect.Bool:
		return "Enter a valid boolean."
	}
	return "Enter a valid value."
}
