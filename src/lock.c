/* lock.c: one run at a time. The lock file holds the PID of the run that
 * holds it, so that a second run can say who is in its way. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_acquire(const char *path, int *ret_fd, pid_t *ret_holder)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) {
        /* In a sticky directory the kernel may say EACCES for another
         * user's link or file (protected_symlinks, protected_regular):
         * name the real reason. */
        int r = -errno;
        struct stat lst;
        if (r == -EACCES && lstat(path, &lst) == 0)
            r = S_ISLNK(lst.st_mode) ? -ELOOP : lst.st_uid != geteuid() ? -EPERM : r;
        return r;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    /* /run/lock is world-writable: a file another user planted there is
     * theirs to hold locked forever or to read our PID from. Refuse it. */
    if (st.st_uid != geteuid()) {
        close(fd);
        return -EPERM;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int r = -errno;
        if (r == -EWOULDBLOCK) {
            char buf[32] = "";
            ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
            *ret_holder = n > 0 ? (pid_t)atoi(buf) : 0;
        }
        close(fd);
        return r;
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
        /* The PID is only informative; the lock itself is held. */
    }
    *ret_fd = fd;
    return 0;
}

void lock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock; the file stays, unlinking would race */
}
