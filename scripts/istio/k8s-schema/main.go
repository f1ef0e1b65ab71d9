// Command k8s-schema prints, as JSON, the Go struct shapes that istioctl kube-inject decodes manifests into and
// marshals them from (k8s.io/api, k8s.io/apimachinery and github.com/openshift/api at the versions the pinned
// istio.io/istio module requires): for every struct reachable from the kinds istioctl knows, its JSON fields in
// Go's order with their types in the grammar of src/inject/normalize.ts. scripts/istio/gen-k8s-schema.sh builds and
// runs it; the output is src/inject/k8s-schema.json.
//
// Type grammar: s i b f (string, integer, bool, float), q (resource.Quantity), ios (IntOrString), time
// (metav1.Time), raw (runtime.RawExtension), any (a value with its own JSON encoding), [T] slice, {T} map,
// a struct's name; *T a pointer; a trailing ! when Go writes the field's zero value or null (neither omitzero
// nor, except on a struct value, omitempty).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	openshiftappsv1 "github.com/openshift/api/apps/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

type field struct {
	JSON string
	Type string
	Go   string
}

type structDef struct {
	GoType string
	Fields []field
}

var (
	structs  = map[string]*structDef{}
	names    = map[reflect.Type]string{}
	order    []string
	marshals = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	unmarsh  = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// Types with their own JSON encoding, by package path and name.
var special = map[string]string{
	"k8s.io/apimachinery/pkg/api/resource.Quantity":   "q",
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString": "ios",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Time":       "time",
	"k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime":  "time",
	"k8s.io/apimachinery/pkg/runtime.RawExtension":    "raw",
	"k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1":   "any",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Duration":   "s",
}

func typeOf(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		return "*" + typeOf(t.Elem())
	}
	if s, ok := special[t.PkgPath()+"."+t.Name()]; ok {
		return s
	}
	switch t.Kind() {
	case reflect.String:
		return "s"
	case reflect.Bool:
		return "b"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "i"
	case reflect.Float32, reflect.Float64:
		return "f"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "s" // []byte: base64 text
		}
		return "[" + typeOf(t.Elem()) + "]"
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			fail("map with non-string keys: %s", t)
		}
		return "{" + typeOf(t.Elem()) + "}"
	case reflect.Interface:
		return "any"
	case reflect.Struct:
		if t.Implements(marshals) || reflect.PointerTo(t).Implements(marshals) || reflect.PointerTo(t).Implements(unmarsh) {
			fail("%s has its own JSON encoding and no entry in the special types", t)
		}
		return structName(t)
	}
	fail("unsupported type %s", t)
	return ""
}

func structName(t reflect.Type) string {
	if n, ok := names[t]; ok {
		return n
	}
	name := t.Name()
	if _, taken := structs[name]; taken {
		// The first type of a name (Kubernetes' own, reached first) keeps it; a later one of another module is
		// qualified by its owner, e.g. openshift.DeploymentStrategy (github.com/openshift/api/apps/v1).
		name = strings.Split(t.PkgPath(), "/")[1] + "." + name
	}
	names[t] = name
	def := &structDef{GoType: t.String()}
	structs[name] = def
	order = append(order, name)
	def.Fields = fieldsOf(t)
	return name
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		parts := strings.Split(tag, ",")
		name := parts[0]
		opts := map[string]bool{}
		for _, o := range parts[1:] {
			opts[o] = true
		}
		if f.Anonymous && name == "" || opts["inline"] {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, fieldsOf(ft)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		typ := typeOf(f.Type)
		base := f.Type
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if opts["omitzero"] && f.Type.Kind() == reflect.Struct && typ != "time" {
			fail("%s.%s: omitzero on a struct is not in the grammar", t, f.Name)
		}
		// omitempty never omits a struct value (Quantity, IntOrString, Time included): only omitzero does.
		omitted := opts["omitzero"] || opts["omitempty"] && f.Type.Kind() != reflect.Struct
		if !omitted {
			typ += "!"
		}
		out = append(out, field{JSON: name, Type: typ, Go: f.Name})
	}
	return out
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "k8s-schema: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	roots := []any{
		corev1.Pod{}, appsv1.Deployment{}, appsv1.DaemonSet{}, appsv1.ReplicaSet{}, appsv1.StatefulSet{},
		batchv1.Job{}, batchv1.CronJob{}, corev1.ReplicationController{}, corev1.List{}, openshiftappsv1.DeploymentConfig{},
	}
	kinds := map[string]string{}
	for _, r := range roots {
		t := reflect.TypeOf(r)
		kinds[t.Name()] = structName(t)
	}
	sort.Strings(order)
	// One struct per line, so that a version bump shows as a readable diff.
	kindsJSON, _ := json.Marshal(kinds)
	fmt.Printf("{\n\"kinds\": %s,\n\"structs\": {\n", kindsJSON)
	for i, name := range order {
		d := structs[name]
		fields := make([][3]string, len(d.Fields))
		for j, f := range d.Fields {
			fields[j] = [3]string{f.JSON, f.Type, f.Go}
		}
		line, err := json.Marshal(map[string]any{"go": d.GoType, "fields": fields})
		if err != nil {
			fail("%v", err)
		}
		sep := ","
		if i == len(order)-1 {
			sep = ""
		}
		fmt.Printf("%q: %s%s\n", name, line, sep)
	}
	fmt.Print("}\n}\n")
}
