package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// resolveAgentsFile decides which agents file a command reads. An --agents given on
// the command line is used as given; otherwise agents.yaml in the current directory,
// else the user's $XDG_CONFIG_HOME/rtagent/agents.yaml (~/.config by default).
func resolveAgentsFile(getenv func(string) string, path string, explicit bool) (string, error) {
	if explicit {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return "", usageErrorf("--agents %s: no such file (rtagent init writes a starter agents.yaml)", path)
		}
		return path, nil
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return path, nil // there, or unreadable: loading says why
	}
	user := userAgentsFile(getenv)
	if user != "" {
		if _, err := os.Stat(user); !errors.Is(err, fs.ErrNotExist) {
			return user, nil
		}
	}
	where := "no " + path + " in this directory"
	if user != "" {
		where += " nor " + user
	}
	return "", usageErrorf("no agents file: %s; run `rtagent init` to write a starter one, or give --agents FILE", where)
}

// userAgentsFile is $XDG_CONFIG_HOME/rtagent/agents.yaml, with ~/.config when
// XDG_CONFIG_HOME is unset; "" when neither is known.
func userAgentsFile(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "rtagent", "agents.yaml")
}
