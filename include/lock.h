/* lock.h: the run lock (non-blocking flock), never followed through a link. */
#pragma once

#include <sys/types.h>

/* 0 and *ret_fd; -EWOULDBLOCK with *ret_holder (its PID, 0 if unknown) when
 * another run holds it; -ELOOP when path is a symbolic link; -EPERM when the
 * file belongs to another user; -EINVAL when it is not a regular file; other
 * -errno. */
int lock_acquire(const char *path, int *ret_fd, pid_t *ret_holder);
void lock_release(int fd);
