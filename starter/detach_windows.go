//go:build windows

package main

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in its own process group, out of reach of the console's Ctrl-C.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
