package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestTerraform_ModulesParseAndReferenceWhatTheyDeclare is the part of
// `terraform validate` that needs no providers: every file is valid HCL,
// and every var.X, local.X and module reference names something the
// module declares.
func TestTerraform_ModulesParseAndReferenceWhatTheyDeclare(t *testing.T) {
	modules, err := os.ReadDir("terraform")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		if !m.IsDir() {
			continue
		}
		t.Run(m.Name(), func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("terraform", m.Name(), "*.tf"))
			if len(files) == 0 {
				t.Fatal("no .tf files")
			}
			declared := map[string][]string{} // "variable", "locals", "resource type", ...
			var bodies []*hclsyntax.Body
			for _, path := range files {
				f, diags := hclsyntax.ParseConfig(readFile(t, path), path, hcl.InitialPos)
				if diags.HasErrors() {
					t.Errorf("%v", diags)
					continue
				}
				body := f.Body.(*hclsyntax.Body)
				bodies = append(bodies, body)
				for _, b := range body.Blocks {
					switch b.Type {
					case "variable", "module", "output":
						declared[b.Type] = append(declared[b.Type], b.Labels...)
					case "locals":
						for name := range b.Body.Attributes {
							declared["locals"] = append(declared["locals"], name)
						}
					case "resource", "data":
						if len(b.Labels) != 2 {
							t.Errorf("%s: %s block with labels %q, want type and name", b.DefRange(), b.Type, b.Labels)
							continue
						}
						declared[b.Type+" "+b.Labels[0]] = append(declared[b.Type+" "+b.Labels[0]], b.Labels[1])
					}
				}
			}
			if len(declared["variable"]) == 0 || len(declared["output"]) == 0 {
				t.Errorf("module declares variables %v and outputs %v; want both", declared["variable"], declared["output"])
			}
			for _, body := range bodies {
				hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
					e, ok := n.(hclsyntax.Expression)
					if !ok {
						return nil
					}
					for _, tr := range e.Variables() {
						checkReference(t, tr, declared)
					}
					return nil
				})
			}
		})
	}
}

// checkReference reports a reference to something the module does not
// declare. Only the root names Terraform resolves within a module are
// checked; each.*, count.*, path.* and the like are left alone.
func checkReference(t *testing.T, tr hcl.Traversal, declared map[string][]string) {
	t.Helper()
	if len(tr) < 2 {
		return
	}
	attr, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return
	}
	var kind string
	switch root := tr.RootName(); root {
	case "var":
		kind = "variable"
	case "local":
		kind = "locals"
	case "module":
		kind = "module"
	case "data":
		if len(tr) < 3 {
			return
		}
		name, ok := tr[2].(hcl.TraverseAttr)
		if !ok {
			return
		}
		if !slices.Contains(declared["data "+attr.Name], name.Name) {
			t.Errorf("%s: data.%s.%s is not declared", tr.SourceRange(), attr.Name, name.Name)
		}
		return
	default:
		if names, isResource := declared["resource "+root]; isResource {
			if !slices.Contains(names, attr.Name) {
				t.Errorf("%s: %s.%s is not declared", tr.SourceRange(), root, attr.Name)
			}
		}
		return
	}
	if !slices.Contains(declared[kind], attr.Name) {
		t.Errorf("%s: %s.%s is not declared", tr.SourceRange(), tr.RootName(), attr.Name)
	}
}
