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

/* Files and strings for the libreswan driver (see vpn-pluto-private.h):
 * atomic writes of private files, reads, directories. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "coverage.h"
#include "hash.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-catalog.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_util);

static bool pluto_write_all(int fd, const char *content);

/* Writes 'content' to 'path' (mode 0600), replacing it, but not
 * atomically: for the records in conns/, which hold no secret and which a
 * reader compares with what it expects, so that a half-written one only
 * counts as different.  Half the system calls of pluto_write_file(), which
 * matters with a thousand conns.  Returns false, with errno set, on
 * failure. */
bool
pluto_write_record(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        return false;
    }

    if (!pluto_write_all(fd, content)) {
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
pluto_write_all(int fd, const char *content)
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
 * There is no fsync(): these files describe running plutos, which do not
 * survive a crash of the host either (a pluto that is not adopted is
 * started afresh with every file rewritten), and readers see the old or
 * the new content thanks to the rename alone.  An fsync() per conn cost
 * seconds when a thousand tunnels arrived at once on a disk. */
bool
pluto_write_file(const char *path, const char *content, mode_t mode)
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

    if (!pluto_write_all(fd, content)) {
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
pluto_read_file(const char *path)
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

/* Creates directory 'path' with 'mode' and any missing parent with 0755. */
bool
pluto_mkdir_p(const char *path, mode_t mode)
{
    char *copy = xstrdup(path);
    bool ok = true;

    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, c ? 0755 : mode) && errno != EEXIST) {
                ok = false;
                break;
            }
            *p = c;
            if (!c) {
                break;
            }
        }
    }
    free(copy);
    return ok;
}

/* Stores in 'out' the first nonblank line of 'text', at most 200 bytes. */
void
pluto_first_line(const char *text, struct ds *out)
{
    text += strspn(text, " \t\r\n");
    size_t len = strcspn(text, "\r\n");
    ds_put_buffer(out, text, MIN(len, 200));
}

bool
pluto_nullable_streq(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

void
pluto_replace_string(char **dst, const char *src)
{
    if (!pluto_nullable_streq(*dst, src)) {
        free(*dst);
        *dst = nullable_xstrdup(src);
    }
}

int
pluto_remove_tree_cb(const char *path, const struct stat *st OVS_UNUSED,
                     int flag OVS_UNUSED, struct FTW *ftw OVS_UNUSED)
{
    if (remove(path) && errno != ENOENT) {
        VLOG_WARN("%s: cannot remove (%s)", path, ovs_strerror(errno));
    }
    return 0;
}
