/*
 * Copyright (c) 2026 The ovn-vpn authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Small files, written whole (see vpn-file.h). */

#include <config.h>

#include "vpn-file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vpn_file);

static bool vpn_file_write_all(int fd, const char *content);

/* Writes 'content' to 'path' (mode 0600), replacing it, but not
 * atomically: for the records in conns/, which hold no secret and which a
 * reader compares with what it expects, so that a half-written one only
 * counts as different.  Half the system calls of vpn_file_write(), which
 * matters with a thousand conns.  Returns false, with errno set, on
 * failure. */
bool
vpn_file_write_record(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        return false;
    }

    if (!vpn_file_write_all(fd, content)) {
        int save_errno = errno;
        close(fd);
        errno = save_errno;
        return false;
    }
    return !close(fd);
}

/* Writes all of 'content' to 'fd'.  Returns false, with errno set, on
 * failure. */
static bool
vpn_file_write_all(int fd, const char *content)
{
    size_t len = strlen(content);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, content + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            return false;
        }
        done += n;
    }
    return true;
}

/* Replaces 'path' atomically with a file of the given 'mode' that holds
 * 'content'.  The file has 'mode' from its creation on: a secret is never
 * readable by others, even for a moment.  Returns false, with errno set, on
 * failure.
 *
 * There is no fsync(): the agent's files describe running plutos, which do not
 * survive a crash of the host either (a pluto that is not adopted is
 * started afresh with every file rewritten), and readers see the old or
 * the new content thanks to the rename alone.  An fsync() per conn cost
 * seconds when a thousand tunnels arrived at once on a disk. */
bool
vpn_file_write(const char *path, const char *content, mode_t mode)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd;

    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              mode);
    if (fd < 0) {
        goto error;
    }
    if (fchmod(fd, mode)) {
        goto error_close;
    }

    if (!vpn_file_write_all(fd, content)) {
        goto error_close;
    }
    if (close(fd)) {
        fd = -1;
        goto error_unlink;
    }
    if (rename(tmp, path)) {
        goto error_unlink;
    }
    free(tmp);
    return true;

error_close:;
    int save_errno = errno;
    close(fd);
    errno = save_errno;
error_unlink:
    save_errno = errno;
    unlink(tmp);
    errno = save_errno;
error:
    free(tmp);
    return false;
}

/* Returns the content of file 'path', malloc'd, or NULL. */
char *
vpn_file_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            close(fd);
            ds_destroy(&ds);
            return NULL;
        } else if (!n) {
            break;
        }
        ds_put_buffer(&ds, buf, n);
    }
    close(fd);
    return ds_steal_cstr(&ds);
}

/* nftw() callback of vpn_file_remove_tree(): removes each entry, deepest
 * first, and goes on after a failure, which it logs. */
static int
remove_tree_cb(const char *path, const struct stat *st OVS_UNUSED,
               int flag OVS_UNUSED, struct FTW *ftw OVS_UNUSED)
{
    if (remove(path) && errno != ENOENT) {
        VLOG_WARN("%s: cannot remove (%s)", path, ovs_strerror(errno));
    }
    return 0;
}

/* Removes 'path' and, if it is a directory, all that it holds, without
 * following symbolic links; a 'path' that does not exist is already
 * removed.  Logs what could not be removed.  Returns true if 'path' is
 * gone. */
bool
vpn_file_remove_tree(const char *path)
{
    if (nftw(path, remove_tree_cb, 16, FTW_DEPTH | FTW_PHYS)
        && errno != ENOENT) {
        VLOG_WARN("%s: cannot remove (%s)", path, ovs_strerror(errno));
    }
    struct stat st;
    return lstat(path, &st) && errno == ENOENT;
}
