package schema

import "fmt"

// CheckConfigName reports whether name can be a configuration's name:
// 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.
// The name marks what a configuration manages and names folders of its
// state, so it is checked wherever it is read, a saved plan file included.
func CheckConfigName(name string) error {
	if !configNameRE.MatchString(name) {
		return fmt.Errorf("configuration name %q: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}
