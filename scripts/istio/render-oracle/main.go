// render-oracle renders Go text/templates with Go itself and Istio's injection function map, as the
// reference for mesh's renderer (src/gotemplate). It reads one JSON request per line on stdin and writes
// one JSON response per line: {"out": "..."} or {"error": "..."}.
//
// Request kinds:
//   {"kind":"generic","name":"t","text":"…","data":<JSON>}            data decoded as encoding/json does
//   {"kind":"inject","text":"…","pod":<Pod>,"proxyConfig":<JSON>,"mesh":"<mesh YAML>","values":<JSON>,
//    "revision":"","nativeSidecars":true,"proxyImage":"…","proxyInitImage":"…","proxyUID":1337,
//    "proxyGID":1337,"typeMeta":{…},"deployMeta":{"name":…,"namespace":…},"compliancePolicy":""}
//                                                                      data is Istio's SidecarTemplateData
// Templates are parsed as Istio parses injection templates: template.New("inject") with Sprig's
// TxtFuncMap and inject.InjectionFuncmap.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/util/protomarshal"
)

type request struct {
	Kind             string               `json:"kind"`
	Name             string               `json:"name"`
	Text             string               `json:"text"`
	Data             any                  `json:"data"`
	Pod              *corev1.Pod          `json:"pod"`
	ProxyConfig      json.RawMessage      `json:"proxyConfig"`
	Mesh             string               `json:"mesh"`
	Values           map[string]any       `json:"values"`
	Revision         string               `json:"revision"`
	NativeSidecars   bool                 `json:"nativeSidecars"`
	ProxyImage       string               `json:"proxyImage"`
	ProxyInitImage   string               `json:"proxyInitImage"`
	ProxyUID         int64                `json:"proxyUID"`
	ProxyGID         int64                `json:"proxyGID"`
	TypeMeta         metav1.TypeMeta      `json:"typeMeta"`
	DeployMeta       types.NamespacedName `json:"deployMeta"`
	CompliancePolicy string               `json:"compliancePolicy"`
}

type response struct {
	Out   *string `json:"out,omitempty"`
	Error string  `json:"error,omitempty"`
}

func render(req request) (string, error) {
	name := req.Name
	if req.Kind == "inject" || name == "" {
		name = "inject"
	}
	tmpl, err := template.New(name).Funcs(sprig.TxtFuncMap()).Funcs(inject.InjectionFuncmap).Parse(req.Text)
	if err != nil {
		return "", err
	}
	var data any = req.Data
	if req.Kind == "inject" {
		meshCfg, err := mesh.ApplyMeshConfigDefaults(req.Mesh)
		if err != nil {
			return "", fmt.Errorf("mesh config: %v", err)
		}
		pc := &meshconfig.ProxyConfig{}
		if len(req.ProxyConfig) > 0 {
			if err := protomarshal.UnmarshalAllowUnknown(req.ProxyConfig, pc); err != nil {
				return "", fmt.Errorf("proxy config: %v", err)
			}
		}
		pod := req.Pod
		if pod == nil {
			pod = &corev1.Pod{}
		}
		data = &inject.SidecarTemplateData{
			TypeMeta:                 req.TypeMeta,
			DeploymentMeta:           req.DeployMeta,
			ObjectMeta:               pod.ObjectMeta,
			Spec:                     pod.Spec,
			ProxyConfig:              pc,
			MeshConfig:               meshCfg,
			Values:                   req.Values,
			Revision:                 req.Revision,
			NativeSidecars:           req.NativeSidecars,
			ProxyImage:               req.ProxyImage,
			ProxyInitImage:           req.ProxyInitImage,
			ProxyUID:                 req.ProxyUID,
			ProxyGID:                 req.ProxyGID,
			InboundTrafficPolicyMode: inject.InboundTrafficPolicyMode(meshCfg),
			CompliancePolicy:         req.CompliancePolicy,
		}
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

func main() {
	in := bufio.NewReader(os.Stdin)
	enc := json.NewEncoder(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req request
			var resp response
			if jerr := json.Unmarshal(line, &req); jerr != nil {
				resp.Error = "request: " + jerr.Error()
			} else if out, rerr := render(req); rerr != nil {
				resp.Error = rerr.Error()
			} else {
				resp.Out = &out
			}
			if werr := enc.Encode(resp); werr != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			return
		}
	}
}
