package mapping

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// settingDecoder lets a settings type decode itself from a generic YAML value, so its
// errors carry the key path like every other settings error.
type settingDecoder interface {
	decodeSetting(node any) error
}

// decodeInto writes a generic YAML tree (maps, slices, scalars) into v. Structs keep the
// fields the tree does not mention and maps keep their other keys, so decoding a user file
// over the defaults merges it. Each error names the key path.
func decodeInto(path string, node any, v reflect.Value) error {
	if d, ok := v.Addr().Interface().(settingDecoder); ok {
		if err := d.decodeSetting(node); err != nil {
			return pathError(path, err.Error())
		}
		return nil
	}
	if node == nil {
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		return decodeStruct(path, node, v)
	case reflect.Map:
		return decodeMap(path, node, v)
	case reflect.Slice:
		items, ok := node.([]any)
		if !ok {
			return pathError(path, "want a list, got "+describe(node))
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeInto(fmt.Sprintf("%s[%d]", path, i), item, out.Index(i)); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	case reflect.String:
		s, ok := scalarString(node)
		if !ok {
			return pathError(path, "want a text value, got "+describe(node))
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := node.(bool)
		if !ok {
			return pathError(path, "want true or false, got "+describe(node))
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int64:
		n, ok := integer(node)
		if !ok {
			return pathError(path, "want a whole number, got "+describe(node))
		}
		v.SetInt(n)
		return nil
	default:
		return pathError(path, "unsupported settings type "+v.Type().String())
	}
}

func decodeStruct(path string, node any, v reflect.Value) error {
	m, ok := node.(map[string]any)
	if !ok {
		return pathError(path, "want a mapping of keys, got "+describe(node))
	}
	fields := make(map[string]int, v.NumField())
	var known []string
	for i := 0; i < v.NumField(); i++ {
		tag := strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		known = append(known, tag)
	}
	for _, key := range sortedKeys(m) {
		i, ok := fields[key]
		if !ok {
			sort.Strings(known)
			return pathError(joinPath(path, key), "unknown key (known: "+strings.Join(known, ", ")+")")
		}
		if err := decodeInto(joinPath(path, key), m[key], v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func decodeMap(path string, node any, v reflect.Value) error {
	m, ok := node.(map[string]any)
	if !ok {
		return pathError(path, "want a mapping, got "+describe(node))
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, key := range sortedKeys(m) {
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(reflect.ValueOf(key)); old.IsValid() {
			elem.Set(old)
		}
		if err := decodeInto(mapKeyPath(path, key), m[key], elem); err != nil {
			return err
		}
		v.SetMapIndex(reflect.ValueOf(key), elem)
	}
	return nil
}

// scalarString accepts numbers for text settings, since YAML users write `shop_id: 1`.
func scalarString(node any) (string, bool) {
	switch n := node.(type) {
	case string:
		return n, true
	case uint64:
		return strconv.FormatUint(n, 10), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), true
	}
	return "", false
}

func integer(node any) (int64, bool) {
	switch n := node.(type) {
	case uint64:
		return int64(n), n <= 1<<62
	case int64:
		return n, true
	}
	return 0, false
}

func describe(node any) string {
	switch n := node.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return strconv.Quote(n)
	default:
		return fmt.Sprint(n)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapKeyPath quotes user-chosen keys so a path like orders.payment_methods."Card" reads
// unambiguously even when the key holds dots or spaces.
func mapKeyPath(path, key string) string {
	return joinPath(path, strconv.Quote(key))
}

// pathError is a settings error at one key path; Load prefixes the file name.
func pathError(path, msg string) error {
	if path == "" {
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%s: %s", path, msg)
}

// Duration is a settings duration: Go syntax ("30s", "10m", "168h") plus whole days ("7d").
type Duration time.Duration

func (d *Duration) decodeSetting(node any) error {
	s, ok := node.(string)
	if !ok {
		return fmt.Errorf("want a duration such as \"30s\", \"10m\" or \"7d\", got %s", describe(node))
	}
	parsed, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(parsed)
	return nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration reads a duration in the settings' syntax, for flags that take one too.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q: want a whole number of days before \"d\"", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want a duration such as \"30s\", \"10m\", \"2h\" or \"7d\"", s)
	}
	return d, nil
}
