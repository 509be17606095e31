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

/* An LD_PRELOAD library that plays the kernel's XFRM netlink interface for
 * one process, so that libreswan's pluto can establish IKE and Child SAs
 * on a kernel without ESP/AH (no traffic is carried).  Every
 * socket(AF_NETLINK, ..., NETLINK_XFRM) the process opens becomes one end
 * of an AF_UNIX datagram socket pair: requests written to it (write, send,
 * sendto, sendmsg) are answered here, and the answers are queued on the
 * other end, so that recvfrom/recvmsg/read and poll/epoll readiness work
 * as on a real socket.  SPIs are allocated, SAs and policies are
 * remembered and acknowledged, and GETSA/GETPOLICY return what was
 * installed, with zero traffic counters.  Every other socket and
 * descriptor goes to the real libc functions.
 *
 * Environment variables, read once when the first XFRM socket is opened:
 *
 *   FAKEXFRM_LOG=FILE             Append one line per call answered.
 *   FAKEXFRM_POLICY=fake|kernel   Answer policy requests here (default)
 *                                 or forward them to the real kernel,
 *                                 which accepts them but then drops the
 *                                 traffic they cover, having no SA.
 *   FAKEXFRM_FAIL_ADD_SA=1        Fail every NEWSA/UPDSA with
 *                                 EPROTONOSUPPORT, as a kernel without
 *                                 ESP does.
 *   FAKEXFRM_FAIL_ADD_SA_FILE=F   The same, but only while file F exists.
 *
 * And one that is not about XFRM, read when pluto executes a program:
 *
 *   FAKEXFRM_HOLD_ADDCONN_FILE=F  The "addconn --autoall" that pluto runs
 *                                 at start-up (the one that tells pluto
 *                                 to listen for IKE on its interfaces)
 *                                 waits until file F exists (at most
 *                                 60 s), as on a machine too busy to run
 *                                 it for a while: pluto answers on its
 *                                 control socket meanwhile.
 *
 * This file is built as a shared object on its own (it must not link
 * libopenvswitch, since pluto loads it), so it uses only libc. */

#include <config.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ipsec.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* With _GNU_SOURCE (config.h), glibc declares socket address parameters
 * as transparent unions; this gets the plain pointer out of one. */
#define FX_SA(ARG) ((ARG).__sockaddr__)

/* Descriptors at or above this are never faked. */
#define FX_MAX_FDS 4096

/* Largest request or reply handled. */
#define FX_MAX_MSG 65536

/* One faked NETLINK_XFRM socket. */
struct fx_sock {
    int fd;                     /* The application's end of the pair. */
    int peer;                   /* Our end: answers are written here. */
    uint32_t portid;            /* Netlink port id, 0 until bound. */
    uint32_t groups;            /* Multicast groups (never sent to). */
};

/* One SA, as installed by NEWSA/UPDSA or reserved by ALLOCSPI. */
struct fx_sa {
    struct xfrm_usersa_info info;   /* With curlft.add_time set. */
    bool larval;                    /* Reserved by ALLOCSPI only. */
};

/* One policy, as installed by NEWPOLICY/UPDPOLICY. */
struct fx_policy {
    struct xfrm_userpolicy_info info;   /* With index, curlft set. */
    struct xfrm_mark mark;
    uint32_t if_id;
};

/* The real libc functions. */
static struct {
    int (*socket)(int, int, int);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*getsockname)(int, struct sockaddr *, socklen_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int,
                      const struct sockaddr *, socklen_t);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
                        socklen_t *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    int (*close)(int);
    int (*execve)(const char *, char *const[], char *const[]);
} fx_real;

static pthread_once_t fx_real_once = PTHREAD_ONCE_INIT;
static pthread_once_t fx_config_once = PTHREAD_ONCE_INIT;

/* The state below is protected by 'fx_mutex', except that 'fx_socks' is
 * also read without it (pointer loads and stores are atomic). */
static pthread_mutex_t fx_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct fx_sock *fx_socks[FX_MAX_FDS];

static struct fx_sa *fx_sas;
static size_t fx_n_sas, fx_allocated_sas;

static struct fx_policy *fx_policies;
static size_t fx_n_policies, fx_allocated_policies;
static uint32_t fx_policy_index_gen;

static uint32_t fx_spi_counter;
static uint32_t fx_autobind_counter;
static int fx_kernel_fd = -1;

/* Configuration (see the top of the file), set once by
 * fx_read_config(). */
static int fx_log_fd = -1;
static bool fx_policy_kernel;
static bool fx_fail_add_sa;
static char *fx_fail_add_sa_file;

static void fx_resolve_real(void);
static void fx_read_config(void);
static void fx_log(const char *format, ...)
    __attribute__((format(printf, 1, 2)));
static struct fx_sock *fx_sock_find(int fd);
static ssize_t fx_send(struct fx_sock *, const void *buf, size_t len);
static void fx_fill_addr(struct sockaddr *, socklen_t *);

/* The interposed libc functions. */

int
socket(int domain, int type, int protocol)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    if (domain != AF_NETLINK || protocol != NETLINK_XFRM) {
        return fx_real.socket(domain, type, protocol);
    }
    pthread_once(&fx_config_once, fx_read_config);

    int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | flags, 0, sv) < 0) {
        int error = errno;
        fx_log("socket(NETLINK_XFRM): socketpair failed (%s)",
               strerror(error));
        errno = error;
        return -1;
    }
    if (sv[0] >= FX_MAX_FDS) {
        fx_real.close(sv[0]);
        fx_real.close(sv[1]);
        fx_log("socket(NETLINK_XFRM): descriptor %d too large", sv[0]);
        errno = EMFILE;
        return -1;
    }
    fcntl(sv[1], F_SETFD, FD_CLOEXEC);
    fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);

    struct fx_sock *s = calloc(1, sizeof *s);
    if (!s) {
        fx_real.close(sv[0]);
        fx_real.close(sv[1]);
        errno = ENOMEM;
        return -1;
    }
    s->fd = sv[0];
    s->peer = sv[1];

    pthread_mutex_lock(&fx_mutex);
    __atomic_store_n(&fx_socks[s->fd], s, __ATOMIC_RELEASE);
    fx_log("socket(NETLINK_XFRM%s%s) = %d (faked)",
           flags & SOCK_NONBLOCK ? ", nonblock" : "",
           flags & SOCK_CLOEXEC ? ", cloexec" : "", s->fd);
    pthread_mutex_unlock(&fx_mutex);
    return s->fd;
}

int
bind(int fd, __CONST_SOCKADDR_ARG addr_, socklen_t len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    const struct sockaddr *addr = FX_SA(addr_);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.bind(fd, addr, len);
    }

    struct sockaddr_nl nl;
    if (len < sizeof nl || addr->sa_family != AF_NETLINK) {
        errno = EINVAL;
        return -1;
    }
    memcpy(&nl, addr, sizeof nl);

    int error = 0;
    pthread_mutex_lock(&fx_mutex);
    if (nl.nl_pid && nl.nl_pid != s->portid) {
        for (size_t i = 0; i < FX_MAX_FDS; i++) {
            if (fx_socks[i] && fx_socks[i]->portid == nl.nl_pid) {
                error = EADDRINUSE;
                break;
            }
        }
        if (!error) {
            s->portid = nl.nl_pid;
        }
    }
    if (!error) {
        s->groups = nl.nl_groups;
    }
    fx_log("bind(%d, pid=%"PRIu32", groups=%#"PRIx32") = %s", fd,
           nl.nl_pid, nl.nl_groups, error ? strerror(error) : "0");
    pthread_mutex_unlock(&fx_mutex);

    if (error) {
        errno = error;
        return -1;
    }
    return 0;
}

int
connect(int fd, __CONST_SOCKADDR_ARG addr_, socklen_t len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    const struct sockaddr *addr = FX_SA(addr_);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.connect(fd, addr, len);
    }

    /* Only the kernel (port id 0) is there to connect to. */
    fx_log("connect(%d) = 0", fd);
    return 0;
}

int
getsockname(int fd, __SOCKADDR_ARG addr_, socklen_t *restrict len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct sockaddr *addr = FX_SA(addr_);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.getsockname(fd, addr, len);
    }

    struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
    pthread_mutex_lock(&fx_mutex);
    nl.nl_pid = s->portid;
    nl.nl_groups = s->groups;
    pthread_mutex_unlock(&fx_mutex);

    memcpy(addr, &nl, *len < sizeof nl ? *len : sizeof nl);
    *len = sizeof nl;
    return 0;
}

int
setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s || level != SOL_NETLINK) {
        /* SOL_SOCKET options work on the AF_UNIX socket as they are. */
        return fx_real.setsockopt(fd, level, name, value, len);
    }

    pthread_mutex_lock(&fx_mutex);
    if (name == NETLINK_ADD_MEMBERSHIP && len >= sizeof(int)) {
        int group;
        memcpy(&group, value, sizeof group);
        if (group > 0 && group <= 32) {
            s->groups |= 1u << (group - 1);
        }
    }
    fx_log("setsockopt(%d, SOL_NETLINK, %d) = 0 (ignored)", fd, name);
    pthread_mutex_unlock(&fx_mutex);
    return 0;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    return s ? fx_send(s, buf, len) : fx_real.write(fd, buf, len);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    return s ? fx_send(s, buf, len) : fx_real.send(fd, buf, len, flags);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
       __CONST_SOCKADDR_ARG addr_, socklen_t addr_len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    const struct sockaddr *addr = FX_SA(addr_);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.sendto(fd, buf, len, flags, addr, addr_len);
    }

    /* Whatever the destination, the kernel answers. */
    return fx_send(s, buf, len);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.sendmsg(fd, msg, flags);
    }

    size_t len = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        len += msg->msg_iov[i].iov_len;
    }
    char *buf = malloc(len ? len : 1);
    if (!buf) {
        errno = ENOBUFS;
        return -1;
    }
    size_t ofs = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        memcpy(buf + ofs, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
        ofs += msg->msg_iov[i].iov_len;
    }
    ssize_t retval = fx_send(s, buf, len);
    free(buf);
    return retval;
}

ssize_t
recvfrom(int fd, void *restrict buf, size_t len, int flags,
         __SOCKADDR_ARG addr_, socklen_t *restrict addr_len)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct sockaddr *addr = FX_SA(addr_);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.recvfrom(fd, buf, len, flags, addr, addr_len);
    }

    ssize_t retval = fx_real.recv(fd, buf, len, flags);
    if (retval >= 0 && addr && addr_len) {
        fx_fill_addr(addr, addr_len);
    }
    return retval;
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    if (!s) {
        return fx_real.recvmsg(fd, msg, flags);
    }

    void *name = msg->msg_name;
    socklen_t name_len = msg->msg_namelen;
    msg->msg_name = NULL;
    msg->msg_namelen = 0;
    ssize_t retval = fx_real.recvmsg(fd, msg, flags);
    int error = errno;
    msg->msg_name = name;
    msg->msg_namelen = name_len;
    if (retval >= 0 && name) {
        fx_fill_addr(name, &msg->msg_namelen);
    }
    errno = error;
    return retval;
}

int
close(int fd)
{
    pthread_once(&fx_real_once, fx_resolve_real);
    struct fx_sock *s = fx_sock_find(fd);
    if (s) {
        pthread_mutex_lock(&fx_mutex);
        __atomic_store_n(&fx_socks[fd], NULL, __ATOMIC_RELEASE);
        fx_log("close(%d)", fd);
        pthread_mutex_unlock(&fx_mutex);
        fx_real.close(s->peer);
        free(s);
    }
    return fx_real.close(fd);
}


/* Runs pluto's start-up "addconn --autoall" through a shell that first
 * waits for FAKEXFRM_HOLD_ADDCONN_FILE to exist (see the top of the file).
 * pluto may call this between vfork() and the exec, so it allocates
 * nothing and touches no shared state. */
int
execve(const char *path, char *const argv[], char *const envp[])
{
    pthread_once(&fx_real_once, fx_resolve_real);

    const char *hold = getenv("FAKEXFRM_HOLD_ADDCONN_FILE");
    size_t path_len = strlen(path);
    bool autoall = false;
    size_t argc;
    for (argc = 0; argv[argc]; argc++) {
        autoall = autoall || !strcmp(argv[argc], "--autoall");
    }
    if (!hold || !hold[0] || !autoall || argc > 16 || path_len < 8
        || strcmp(path + path_len - 8, "/addconn")) {
        return fx_real.execve(path, argv, envp);
    }

    /* sh -c SCRIPT HOLD-FILE PATH ARG...: "$0" is the file to wait for,
     * "$@" the command to execute then. */
    static const char script[] =
        "i=0; while test ! -e \"$0\" && test $i -lt 600; do "
        "sleep 0.1; i=$((i + 1)); done; exec \"$@\"";
    const char *sh_argv[16 + 6];
    size_t n = 0;
    sh_argv[n++] = "sh";
    sh_argv[n++] = "-c";
    sh_argv[n++] = script;
    sh_argv[n++] = hold;
    sh_argv[n++] = path;
    for (size_t i = 1; i < argc; i++) {
        sh_argv[n++] = argv[i];
    }
    sh_argv[n] = NULL;
    return fx_real.execve("/bin/sh", (char *const *) sh_argv, envp);
}

/* Static functions. */


static void *
fx_dlsym(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        /* Nothing can work without the real function. */
        abort();
    }
    return p;
}

static void
fx_resolve_real(void)
{
    fx_real.socket = fx_dlsym("socket");
    fx_real.bind = fx_dlsym("bind");
    fx_real.connect = fx_dlsym("connect");
    fx_real.getsockname = fx_dlsym("getsockname");
    fx_real.setsockopt = fx_dlsym("setsockopt");
    fx_real.write = fx_dlsym("write");
    fx_real.send = fx_dlsym("send");
    fx_real.sendto = fx_dlsym("sendto");
    fx_real.sendmsg = fx_dlsym("sendmsg");
    fx_real.recv = fx_dlsym("recv");
    fx_real.recvfrom = fx_dlsym("recvfrom");
    fx_real.recvmsg = fx_dlsym("recvmsg");
    fx_real.close = fx_dlsym("close");
    fx_real.execve = fx_dlsym("execve");
}

static void
fx_read_config(void)
{
    const char *log = getenv("FAKEXFRM_LOG");
    if (log && log[0]) {
        fx_log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                         0644);
    }

    const char *policy = getenv("FAKEXFRM_POLICY");
    fx_policy_kernel = policy && !strcmp(policy, "kernel");
    if (policy && strcmp(policy, "kernel") && strcmp(policy, "fake")) {
        fx_log("FAKEXFRM_POLICY=%s: unknown value, using \"fake\"",
               policy);
    }

    const char *fail = getenv("FAKEXFRM_FAIL_ADD_SA");
    fx_fail_add_sa = fail && fail[0] && strcmp(fail, "0");

    const char *fail_file = getenv("FAKEXFRM_FAIL_ADD_SA_FILE");
    if (fail_file && fail_file[0]) {
        fx_fail_add_sa_file = strdup(fail_file);
    }

    /* SPIs start from a per-process base so that the two ends of a test
     * hand out different ones. */
    fx_spi_counter = 0xc0000000u | ((uint32_t) (getpid() & 0xffff) << 8);

    fx_log("started: policies %s, SA install %s",
           fx_policy_kernel ? "forwarded to the kernel" : "faked",
           fx_fail_add_sa ? "fails"
           : fx_fail_add_sa_file ? "fails while the file exists"
           : "succeeds");
}

static void
fx_log(const char *format, ...)
{
    if (fx_log_fd < 0) {
        return;
    }

    int error = errno;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - n, ".%06ld fakexfrm[%ld]: ",
                  (long) tv.tv_usec, (long) getpid());

    va_list args;
    va_start(args, format);
    int k = vsnprintf(line + n, sizeof line - n - 1, format, args);
    va_end(args);
    if (k > 0) {
        n = n + k < sizeof line - 1 ? n + k : sizeof line - 2;
    }
    line[n++] = '\n';

    ssize_t ignore = fx_real.write(fx_log_fd, line, n);
    (void) ignore;
    errno = error;
}

static struct fx_sock *
fx_sock_find(int fd)
{
    return (fd >= 0 && fd < FX_MAX_FDS
            ? __atomic_load_n(&fx_socks[fd], __ATOMIC_ACQUIRE)
            : NULL);
}

/* Every answer comes from the kernel, port id 0. */
static void
fx_fill_addr(struct sockaddr *addr, socklen_t *len)
{
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
    memcpy(addr, &nl, *len < sizeof nl ? *len : sizeof nl);
    *len = sizeof nl;
}

/* Formatting for the log. */

static const char *
fx_msg_name(unsigned int type)
{
    static const char *const names[] = {
#define FX_NAME(NAME) [XFRM_MSG_##NAME - XFRM_MSG_BASE] = #NAME
        FX_NAME(NEWSA), FX_NAME(DELSA), FX_NAME(GETSA),
        FX_NAME(NEWPOLICY), FX_NAME(DELPOLICY), FX_NAME(GETPOLICY),
        FX_NAME(ALLOCSPI), FX_NAME(ACQUIRE), FX_NAME(EXPIRE),
        FX_NAME(UPDPOLICY), FX_NAME(UPDSA), FX_NAME(POLEXPIRE),
        FX_NAME(FLUSHSA), FX_NAME(FLUSHPOLICY), FX_NAME(NEWAE),
        FX_NAME(GETAE), FX_NAME(REPORT), FX_NAME(MIGRATE),
        FX_NAME(NEWSADINFO), FX_NAME(GETSADINFO), FX_NAME(NEWSPDINFO),
        FX_NAME(GETSPDINFO), FX_NAME(MAPPING), FX_NAME(SETDEFAULT),
        FX_NAME(GETDEFAULT),
#undef FX_NAME
    };
    unsigned int i = type - XFRM_MSG_BASE;
    return (type >= XFRM_MSG_BASE && i < sizeof names / sizeof *names
            && names[i] ? names[i] : "unknown");
}

static const char *
fx_errname(int error)
{
    switch (error) {
    case 0: return "ok";
    case EEXIST: return "error EEXIST";
    case ESRCH: return "error ESRCH";
    case ENOENT: return "error ENOENT";
    case EINVAL: return "error EINVAL";
    case ENOBUFS: return "error ENOBUFS";
    case EPROTONOSUPPORT: return "error EPROTONOSUPPORT";
    case EOPNOTSUPP: return "error EOPNOTSUPP";
    case ENOPROTOOPT: return "error ENOPROTOOPT";
    default: return strerror(error);
    }
}

static const char *
fx_proto_name(unsigned int proto, char *buf, size_t size)
{
    switch (proto) {
    case IPPROTO_ESP: return "esp";
    case IPPROTO_AH: return "ah";
    case IPPROTO_COMP: return "comp";
    case 0: return "any";
    default:
        snprintf(buf, size, "proto%u", proto);
        return buf;
    }
}

static const char *
fx_mode_name(unsigned int mode)
{
    switch (mode) {
    case XFRM_MODE_TRANSPORT: return "transport";
    case XFRM_MODE_TUNNEL: return "tunnel";
    case XFRM_MODE_BEET: return "beet";
    default: return "mode?";
    }
}

static const char *
fx_dir_name(unsigned int dir)
{
    switch (dir) {
    case XFRM_POLICY_IN: return "in";
    case XFRM_POLICY_OUT: return "out";
    case XFRM_POLICY_FWD: return "fwd";
    default: return "dir?";
    }
}

static const char *
fx_addr_fmt(unsigned int family, const xfrm_address_t *a, char *buf,
            size_t size)
{
    if (family == AF_INET || family == AF_INET6) {
        inet_ntop(family, a, buf, size);
    } else {
        snprintf(buf, size, "family%u", family);
    }
    return buf;
}

static const char *
fx_sel_fmt(const struct xfrm_selector *sel, char *buf, size_t size)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], sp[16] = "", dp[16] = "";
    char proto[16] = "";

    if (sel->sport_mask) {
        snprintf(sp, sizeof sp, ":%u", ntohs(sel->sport));
    }
    if (sel->dport_mask) {
        snprintf(dp, sizeof dp, ":%u", ntohs(sel->dport));
    }
    if (sel->proto) {
        snprintf(proto, sizeof proto, " proto %u", sel->proto);
    }
    snprintf(buf, size, "%s/%u%s -> %s/%u%s%s",
             fx_addr_fmt(sel->family, &sel->saddr, s, sizeof s),
             sel->prefixlen_s, sp,
             fx_addr_fmt(sel->family, &sel->daddr, d, sizeof d),
             sel->prefixlen_d, dp, proto);
    return buf;
}

/* Appends printf-style text to 'buf' (of 'size' bytes). */
static void
fx_append(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void
fx_append(char *buf, size_t size, const char *format, ...)
{
    size_t n = strlen(buf);
    if (n + 1 < size) {
        va_list args;
        va_start(args, format);
        vsnprintf(buf + n, size - n, format, args);
        va_end(args);
    }
}

/* Netlink messages and attributes. */

/* Returns the first attribute of 'type' of 'req', whose fixed part is
 * 'fixed' bytes, if its payload has at least 'min' bytes. */
static const struct rtattr *
fx_attr(const struct nlmsghdr *req, size_t fixed, unsigned short type,
        size_t min)
{
    int rem = (int) req->nlmsg_len - (int) NLMSG_SPACE(fixed);
    const struct rtattr *rta = (const struct rtattr *)
        ((const char *) NLMSG_DATA(req) + NLMSG_ALIGN(fixed));

    for (; rem > 0 && RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
        if (rta->rta_type == type && RTA_PAYLOAD(rta) >= min) {
            return rta;
        }
    }
    return NULL;
}

static void
fx_marks(const struct nlmsghdr *req, size_t fixed, struct xfrm_mark *mark,
         uint32_t *if_id)
{
    const struct rtattr *rta;

    memset(mark, 0, sizeof *mark);
    rta = fx_attr(req, fixed, XFRMA_MARK, sizeof *mark);
    if (rta) {
        memcpy(mark, RTA_DATA(rta), sizeof *mark);
    }

    *if_id = 0;
    rta = fx_attr(req, fixed, XFRMA_IF_ID, sizeof *if_id);
    if (rta) {
        memcpy(if_id, RTA_DATA(rta), sizeof *if_id);
    }
}

/* Describes the algorithms and options of a NEWSA/UPDSA request. */
static void
fx_sa_attrs_fmt(const struct nlmsghdr *req, char *buf, size_t size)
{
    static const struct {
        unsigned short type;
        const char *name;
    } algs[] = {
        { XFRMA_ALG_AEAD, "aead" },
        { XFRMA_ALG_CRYPT, "enc" },
        { XFRMA_ALG_AUTH_TRUNC, "auth" },
        { XFRMA_ALG_AUTH, "auth" },
        { XFRMA_ALG_COMP, "comp" },
    };
    const size_t fixed = sizeof(struct xfrm_usersa_info);
    const struct rtattr *rta;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
        rta = fx_attr(req, fixed, algs[i].type, sizeof(struct xfrm_algo));
        if (rta) {
            const struct xfrm_algo *alg = RTA_DATA(rta);
            fx_append(buf, size, " %s=%.*s", algs[i].name,
                      (int) sizeof alg->alg_name, alg->alg_name);
        }
    }

    rta = fx_attr(req, fixed, XFRMA_ENCAP, sizeof(struct xfrm_encap_tmpl));
    if (rta) {
        const struct xfrm_encap_tmpl *encap = RTA_DATA(rta);
        fx_append(buf, size, " encap=udp:%u->%u", ntohs(encap->encap_sport),
                  ntohs(encap->encap_dport));
    }
    if (fx_attr(req, fixed, XFRMA_REPLAY_ESN_VAL, 0)) {
        fx_append(buf, size, " esn");
    }

    struct xfrm_mark mark;
    uint32_t if_id;
    fx_marks(req, fixed, &mark, &if_id);
    if (mark.m) {
        fx_append(buf, size, " mark=%#"PRIx32"/%#"PRIx32, mark.v, mark.m);
    }
    if (if_id) {
        fx_append(buf, size, " if_id=%"PRIu32, if_id);
    }
}

/* Describes a NEWPOLICY/UPDPOLICY request. */
static void
fx_policy_fmt(const struct nlmsghdr *req,
              const struct xfrm_userpolicy_info *info, char *buf,
              size_t size)
{
    const size_t fixed = sizeof *info;
    char sel[256];

    snprintf(buf, size, "%s %s %s prio %"PRIu32,
             fx_dir_name(info->dir),
             fx_sel_fmt(&info->sel, sel, sizeof sel),
             (info->action == XFRM_POLICY_ALLOW ? "allow"
              : info->action == XFRM_POLICY_BLOCK ? "block" : "action?"),
             info->priority);

    const struct rtattr *rta = fx_attr(req, fixed, XFRMA_TMPL, 0);
    if (rta) {
        const struct xfrm_user_tmpl *tmpl = RTA_DATA(rta);
        size_t n = RTA_PAYLOAD(rta) / sizeof *tmpl;

        for (size_t i = 0; i < n; i++) {
            const struct xfrm_user_tmpl *t = &tmpl[i];
            char proto[16], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

            fx_append(buf, size, " tmpl %s/%s reqid %"PRIu32,
                      fx_proto_name(t->id.proto, proto, sizeof proto),
                      fx_mode_name(t->mode), t->reqid);
            if (t->mode == XFRM_MODE_TUNNEL) {
                fx_append(buf, size, " %s->%s",
                          fx_addr_fmt(t->family, &t->saddr, s, sizeof s),
                          fx_addr_fmt(t->family, &t->id.daddr,
                                      d, sizeof d));
            }
        }
    }

    struct xfrm_mark mark;
    uint32_t if_id;
    fx_marks(req, fixed, &mark, &if_id);
    if (mark.m) {
        fx_append(buf, size, " mark=%#"PRIx32"/%#"PRIx32, mark.v, mark.m);
    }
    if (if_id) {
        fx_append(buf, size, " if_id=%"PRIu32, if_id);
    }
    if (fx_attr(req, fixed, XFRMA_SEC_CTX, 0)) {
        fx_append(buf, size, " sec_ctx(ignored)");
    }
}

/* Answers. */

/* Queues a message of 'type' answering 'req' on 's', with a payload made
 * of 'n1' bytes at 'p1' followed by 'n2' bytes at 'p2'. */
static void
fx_reply(struct fx_sock *s, const struct nlmsghdr *req, uint16_t type,
         uint16_t flags, const void *p1, size_t n1, const void *p2,
         size_t n2)
{
    static union {
        struct nlmsghdr n;
        char buf[FX_MAX_MSG + 1024];
    } reply __attribute__((aligned(8)));

    if (NLMSG_LENGTH(n1 + n2) > sizeof reply) {
        fx_log("answer to %s too long: dropped", fx_msg_name(req->nlmsg_type));
        return;
    }
    memset(&reply.n, 0, sizeof reply.n);
    reply.n.nlmsg_len = NLMSG_LENGTH(n1 + n2);
    reply.n.nlmsg_type = type;
    reply.n.nlmsg_flags = flags;
    reply.n.nlmsg_seq = req->nlmsg_seq;
    reply.n.nlmsg_pid = s->portid;
    if (n1) {
        memcpy(NLMSG_DATA(&reply.n), p1, n1);
    }
    if (n2) {
        memcpy((char *) NLMSG_DATA(&reply.n) + n1, p2, n2);
    }

    if (fx_real.send(s->peer, reply.buf, reply.n.nlmsg_len,
                     MSG_DONTWAIT) < 0) {
        fx_log("answer to %s lost (%s)", fx_msg_name(req->nlmsg_type),
               strerror(errno));
    }
}

/* Acknowledges 'req' with 'error' (a positive errno or 0), as the kernel
 * does: always for an error, for success only if NLM_F_ACK was asked
 * for.  A success echoes only the request's header, an error all of it. */
static void
fx_ack(struct fx_sock *s, const struct nlmsghdr *req, int error)
{
    if (!error && !(req->nlmsg_flags & NLM_F_ACK)) {
        return;
    }

    struct nlmsgerr e = { .error = -error, .msg = *req };
    size_t extra = error ? req->nlmsg_len - sizeof *req : 0;
    fx_reply(s, req, NLMSG_ERROR, error ? 0 : NLM_F_CAPPED, &e, sizeof e,
             (const char *) req + sizeof *req, extra);
}

static uint64_t
fx_now(void)
{
    return time(NULL);
}

/* SAs. */

static bool
fx_addr_eq(unsigned int family, const xfrm_address_t *a,
           const xfrm_address_t *b)
{
    return !memcmp(a, b, family == AF_INET ? 4 : sizeof *a);
}

static struct fx_sa *
fx_sa_find(unsigned int family, const xfrm_address_t *daddr, uint32_t spi,
           unsigned int proto)
{
    for (size_t i = 0; i < fx_n_sas; i++) {
        const struct xfrm_usersa_info *x = &fx_sas[i].info;
        if (x->id.spi == spi && x->id.proto == proto && x->family == family
            && fx_addr_eq(family, &x->id.daddr, daddr)) {
            return &fx_sas[i];
        }
    }
    return NULL;
}

static struct fx_sa *
fx_sa_insert(const struct xfrm_usersa_info *info, bool larval)
{
    if (fx_n_sas >= fx_allocated_sas) {
        size_t n = fx_allocated_sas ? 2 * fx_allocated_sas : 16;
        struct fx_sa *sas = realloc(fx_sas, n * sizeof *sas);
        if (!sas) {
            return NULL;
        }
        fx_sas = sas;
        fx_allocated_sas = n;
    }

    struct fx_sa *sa = &fx_sas[fx_n_sas++];
    sa->info = *info;
    sa->larval = larval;
    return sa;
}

static void
fx_sa_remove(struct fx_sa *sa)
{
    *sa = fx_sas[--fx_n_sas];
}

static bool
fx_add_sa_fails(void)
{
    return (fx_fail_add_sa
            || (fx_fail_add_sa_file && !access(fx_fail_add_sa_file, F_OK)));
}

static void
fx_allocspi(struct fx_sock *s, const struct nlmsghdr *req)
{
    struct xfrm_userspi_info r;
    memcpy(&r, NLMSG_DATA(req), sizeof r);
    struct xfrm_usersa_info *info = &r.info;
    char proto[16], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    char what[256];

    snprintf(what, sizeof what,
             "%s %s->%s reqid %"PRIu32" range %#"PRIx32"-%#"PRIx32,
             fx_proto_name(info->id.proto, proto, sizeof proto),
             fx_addr_fmt(info->family, &info->saddr, src, sizeof src),
             fx_addr_fmt(info->family, &info->id.daddr, dst, sizeof dst),
             info->reqid, r.min, r.max);
    if (r.min > r.max) {
        fx_log("ALLOCSPI %s: %s", what, fx_errname(EINVAL));
        fx_ack(s, req, EINVAL);
        return;
    }

    /* As in the kernel, asking again for the same reservation (same
     * addresses, protocol, mode and reqid) while it is still larval
     * yields the same SPI. */
    struct fx_sa *sa = NULL;
    for (size_t i = 0; i < fx_n_sas; i++) {
        const struct xfrm_usersa_info *x = &fx_sas[i].info;
        if (fx_sas[i].larval && x->family == info->family
            && x->id.proto == info->id.proto && x->reqid == info->reqid
            && x->mode == info->mode
            && fx_addr_eq(x->family, &x->id.daddr, &info->id.daddr)
            && fx_addr_eq(x->family, &x->saddr, &info->saddr)) {
            sa = &fx_sas[i];
            break;
        }
    }

    if (!sa) {
        uint64_t range = (uint64_t) r.max - r.min + 1;
        uint32_t spi = 0;
        for (int attempt = 0; attempt < 65536 && !spi; attempt++) {
            uint32_t c = fx_spi_counter++;
            uint32_t candidate = (c >= r.min && c <= r.max
                                  ? c : r.min + (uint32_t) (c % range));
            if (candidate
                && !fx_sa_find(info->family, &info->id.daddr,
                               htonl(candidate), info->id.proto)) {
                spi = candidate;
            }
        }
        if (spi) {
            info->id.spi = htonl(spi);
            memset(&info->curlft, 0, sizeof info->curlft);
            info->curlft.add_time = fx_now();
            sa = fx_sa_insert(info, true);
        }
        if (!sa) {
            int error = spi ? ENOBUFS : ENOENT;
            fx_log("ALLOCSPI %s: %s", what, fx_errname(error));
            fx_ack(s, req, error);
            return;
        }
    }

    fx_log("ALLOCSPI %s: spi %#"PRIx32, what, ntohl(sa->info.id.spi));
    fx_reply(s, req, XFRM_MSG_NEWSA, 0, &sa->info, sizeof sa->info,
             NULL, 0);
    fx_ack(s, req, 0);
}

static void
fx_add_sa(struct fx_sock *s, const struct nlmsghdr *req)
{
    bool update = req->nlmsg_type == XFRM_MSG_UPDSA;
    struct xfrm_usersa_info info;
    memcpy(&info, NLMSG_DATA(req), sizeof info);
    char proto[16], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    char attrs[512];

    fx_sa_attrs_fmt(req, attrs, sizeof attrs);

    int error = 0;
    const char *why = "";
    if (fx_add_sa_fails()) {
        error = EPROTONOSUPPORT;
        why = " (forced)";
    } else {
        struct fx_sa *sa = fx_sa_find(info.family, &info.id.daddr,
                                      info.id.spi, info.id.proto);
        if (sa && !update) {
            error = EEXIST;
        } else if (!sa && update) {
            error = ESRCH;
        } else {
            uint64_t add_time = (sa && !sa->larval
                                 ? sa->info.curlft.add_time : fx_now());
            memset(&info.curlft, 0, sizeof info.curlft);
            info.curlft.add_time = add_time;
            if (sa) {
                sa->info = info;
                sa->larval = false;
            } else if (!fx_sa_insert(&info, false)) {
                error = ENOBUFS;
            }
        }
    }

    fx_log("%s %s spi %#"PRIx32" %s->%s reqid %"PRIu32" %s%s: %s%s",
           fx_msg_name(req->nlmsg_type),
           fx_proto_name(info.id.proto, proto, sizeof proto),
           ntohl(info.id.spi),
           fx_addr_fmt(info.family, &info.saddr, src, sizeof src),
           fx_addr_fmt(info.family, &info.id.daddr, dst, sizeof dst),
           info.reqid, fx_mode_name(info.mode), attrs, fx_errname(error),
           why);
    fx_ack(s, req, error);
}

/* DELSA and GETSA. */
static void
fx_del_get_sa(struct fx_sock *s, const struct nlmsghdr *req)
{
    struct xfrm_usersa_id id;
    memcpy(&id, NLMSG_DATA(req), sizeof id);
    char proto[16], dst[INET6_ADDRSTRLEN];

    struct fx_sa *sa = fx_sa_find(id.family, &id.daddr, id.spi, id.proto);
    bool larval = sa && sa->larval;
    int error = 0;
    if (!sa) {
        error = ESRCH;
    } else if (req->nlmsg_type == XFRM_MSG_GETSA) {
        fx_reply(s, req, XFRM_MSG_NEWSA, 0, &sa->info, sizeof sa->info,
                 NULL, 0);
    } else {
        fx_sa_remove(sa);
    }

    fx_log("%s %s spi %#"PRIx32" dst %s%s: %s",
           fx_msg_name(req->nlmsg_type),
           fx_proto_name(id.proto, proto, sizeof proto), ntohl(id.spi),
           fx_addr_fmt(id.family, &id.daddr, dst, sizeof dst),
           larval ? " (larval)" : "", fx_errname(error));
    fx_ack(s, req, error);
}

static void
fx_flush_sa(struct fx_sock *s, const struct nlmsghdr *req)
{
    struct xfrm_usersa_flush f;
    memcpy(&f, NLMSG_DATA(req), sizeof f);
    char proto[16];

    size_t n = 0;
    size_t i = 0;
    while (i < fx_n_sas) {
        if (!f.proto || f.proto == IPSEC_PROTO_ANY
            || fx_sas[i].info.id.proto == f.proto) {
            fx_sa_remove(&fx_sas[i]);
            n++;
        } else {
            i++;
        }
    }
    fx_log("FLUSHSA %s: %zu SAs removed: ok",
           fx_proto_name(f.proto, proto, sizeof proto), n);
    fx_ack(s, req, 0);
}

/* Policies. */

static struct fx_policy *
fx_policy_find(const struct xfrm_selector *sel, unsigned int dir,
               const struct xfrm_mark *mark, uint32_t if_id)
{
    for (size_t i = 0; i < fx_n_policies; i++) {
        struct fx_policy *p = &fx_policies[i];
        if (p->info.dir == dir && !memcmp(&p->info.sel, sel, sizeof *sel)
            && p->mark.v == mark->v && p->mark.m == mark->m
            && p->if_id == if_id) {
            return p;
        }
    }
    return NULL;
}

static struct fx_policy *
fx_policy_find_index(uint32_t index)
{
    for (size_t i = 0; i < fx_n_policies; i++) {
        if (fx_policies[i].info.index == index) {
            return &fx_policies[i];
        }
    }
    return NULL;
}

static struct fx_policy *
fx_policy_insert(const struct xfrm_userpolicy_info *info,
                 const struct xfrm_mark *mark, uint32_t if_id)
{
    if (fx_n_policies >= fx_allocated_policies) {
        size_t n = fx_allocated_policies ? 2 * fx_allocated_policies : 16;
        struct fx_policy *policies = realloc(fx_policies,
                                             n * sizeof *policies);
        if (!policies) {
            return NULL;
        }
        fx_policies = policies;
        fx_allocated_policies = n;
    }

    struct fx_policy *p = &fx_policies[fx_n_policies++];
    p->info = *info;
    p->mark = *mark;
    p->if_id = if_id;
    return p;
}

static void
fx_add_policy(struct fx_sock *s, const struct nlmsghdr *req)
{
    bool update = req->nlmsg_type == XFRM_MSG_UPDPOLICY;
    struct xfrm_userpolicy_info info;
    memcpy(&info, NLMSG_DATA(req), sizeof info);
    struct xfrm_mark mark;
    uint32_t if_id;
    char what[1024];

    fx_marks(req, sizeof info, &mark, &if_id);
    fx_policy_fmt(req, &info, what, sizeof what);

    int error = 0;
    if (info.dir >= XFRM_POLICY_MAX) {
        error = EINVAL;
    } else {
        struct fx_policy *p = fx_policy_find(&info.sel, info.dir, &mark,
                                             if_id);
        if (p && !update) {
            error = EEXIST;
        } else {
            memset(&info.curlft, 0, sizeof info.curlft);
            info.curlft.add_time = fx_now();
            if (p) {
                info.index = p->info.index;
                p->info = info;
            } else {
                info.index = (++fx_policy_index_gen << 3) | info.dir;
                if (!fx_policy_insert(&info, &mark, if_id)) {
                    error = ENOBUFS;
                }
            }
        }
    }

    fx_log("%s %s: %s", fx_msg_name(req->nlmsg_type), what,
           fx_errname(error));
    fx_ack(s, req, error);
}

/* DELPOLICY and GETPOLICY. */
static void
fx_del_get_policy(struct fx_sock *s, const struct nlmsghdr *req)
{
    struct xfrm_userpolicy_id id;
    memcpy(&id, NLMSG_DATA(req), sizeof id);
    struct xfrm_mark mark;
    uint32_t if_id;
    char sel[256];

    fx_marks(req, sizeof id, &mark, &if_id);

    int error = 0;
    struct fx_policy *p = NULL;
    if (id.dir >= XFRM_POLICY_MAX) {
        error = EINVAL;
    } else {
        p = (id.index
             ? fx_policy_find_index(id.index)
             : fx_policy_find(&id.sel, id.dir, &mark, if_id));
        if (!p) {
            error = ENOENT;
        } else if (req->nlmsg_type == XFRM_MSG_GETPOLICY) {
            fx_reply(s, req, XFRM_MSG_NEWPOLICY, 0, &p->info,
                     sizeof p->info, NULL, 0);
        } else {
            *p = fx_policies[--fx_n_policies];
        }
    }

    if (id.index) {
        fx_log("%s index %"PRIu32": %s", fx_msg_name(req->nlmsg_type),
               id.index, fx_errname(error));
    } else {
        fx_log("%s %s %s: %s", fx_msg_name(req->nlmsg_type),
               fx_dir_name(id.dir), fx_sel_fmt(&id.sel, sel, sizeof sel),
               fx_errname(error));
    }
    fx_ack(s, req, error);
}

static void
fx_flush_policy(struct fx_sock *s, const struct nlmsghdr *req)
{
    fx_log("FLUSHPOLICY: %zu policies removed: ok", fx_n_policies);
    fx_n_policies = 0;
    fx_ack(s, req, 0);
}

/* Sends policy request 'req' to the real kernel and queues its answers
 * on 's'.  The kernel is always asked for an acknowledgement, so that the
 * end of its answer is known; the acknowledgement is passed on only if
 * 'req' asked for it or it is an error. */
static void
fx_forward(struct fx_sock *s, struct nlmsghdr *req)
{
    static union {
        struct nlmsghdr n;
        char buf[FX_MAX_MSG];
    } answer __attribute__((aligned(8)));
    const char *name = fx_msg_name(req->nlmsg_type);
    char what[1024] = "";

    if (req->nlmsg_type == XFRM_MSG_NEWPOLICY
        || req->nlmsg_type == XFRM_MSG_UPDPOLICY) {
        struct xfrm_userpolicy_info info;
        memcpy(&info, NLMSG_DATA(req), sizeof info);
        fx_policy_fmt(req, &info, what, sizeof what);
    } else if (req->nlmsg_type == XFRM_MSG_DELPOLICY
               || req->nlmsg_type == XFRM_MSG_GETPOLICY) {
        struct xfrm_userpolicy_id id;
        memcpy(&id, NLMSG_DATA(req), sizeof id);
        char sel[256];
        snprintf(what, sizeof what, "%s %s", fx_dir_name(id.dir),
                 fx_sel_fmt(&id.sel, sel, sizeof sel));
    }

    if (fx_kernel_fd < 0) {
        fx_kernel_fd = fx_real.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
                                      NETLINK_XFRM);
        if (fx_kernel_fd < 0) {
            int error = errno;
            fx_log("%s %s: kernel socket failed: %s", name, what,
                   strerror(error));
            fx_ack(s, req, error);
            return;
        }
        struct timeval tv = { .tv_sec = 5 };
        fx_real.setsockopt(fx_kernel_fd, SOL_SOCKET, SO_RCVTIMEO,
                           &tv, sizeof tv);
    }

    uint16_t flags = req->nlmsg_flags;
    req->nlmsg_flags |= NLM_F_ACK;
    if (fx_real.send(fx_kernel_fd, req, req->nlmsg_len, 0) < 0) {
        int error = errno;
        fx_log("%s %s: kernel send failed: %s", name, what, strerror(error));
        req->nlmsg_flags = flags;
        fx_ack(s, req, error);
        return;
    }
    req->nlmsg_flags = flags;

    for (;;) {
        ssize_t r = fx_real.recv(fx_kernel_fd, answer.buf, sizeof answer.buf,
                                 0);
        if (r < 0) {
            int error = errno;
            if (error == EINTR) {
                continue;
            }
            fx_log("%s %s: kernel receive failed: %s", name, what,
                   strerror(error));
            fx_ack(s, req, error);
            return;
        }

        int rem = r;
        for (struct nlmsghdr *n = &answer.n; NLMSG_OK(n, rem);
             n = NLMSG_NEXT(n, rem)) {
            if (n->nlmsg_seq != req->nlmsg_seq) {
                continue;
            }
            n->nlmsg_pid = s->portid;
            if (n->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(n);
                fx_log("%s %s: kernel: %s", name, what,
                       fx_errname(-e->error));
                if (e->error || flags & NLM_F_ACK) {
                    fx_reply(s, req, n->nlmsg_type, n->nlmsg_flags,
                             NLMSG_DATA(n), n->nlmsg_len - NLMSG_HDRLEN,
                             NULL, 0);
                }
                return;
            }
            fx_reply(s, req, n->nlmsg_type, n->nlmsg_flags, NLMSG_DATA(n),
                     n->nlmsg_len - NLMSG_HDRLEN, NULL, 0);
        }
    }
}

/* Answers one request. */
static void
fx_handle(struct fx_sock *s, struct nlmsghdr *req)
{
    size_t need;
    bool policy = false;

    switch (req->nlmsg_type) {
    case XFRM_MSG_ALLOCSPI:
        need = sizeof(struct xfrm_userspi_info);
        break;
    case XFRM_MSG_NEWSA:
    case XFRM_MSG_UPDSA:
        need = sizeof(struct xfrm_usersa_info);
        break;
    case XFRM_MSG_DELSA:
    case XFRM_MSG_GETSA:
        need = sizeof(struct xfrm_usersa_id);
        break;
    case XFRM_MSG_FLUSHSA:
        need = sizeof(struct xfrm_usersa_flush);
        break;
    case XFRM_MSG_NEWPOLICY:
    case XFRM_MSG_UPDPOLICY:
        need = sizeof(struct xfrm_userpolicy_info);
        policy = true;
        break;
    case XFRM_MSG_DELPOLICY:
    case XFRM_MSG_GETPOLICY:
        need = sizeof(struct xfrm_userpolicy_id);
        policy = true;
        break;
    case XFRM_MSG_FLUSHPOLICY:
        need = 0;
        policy = true;
        break;
    default:
        need = 0;
        break;
    }

    if (req->nlmsg_len < NLMSG_LENGTH(need)) {
        fx_log("%s: request too short (%"PRIu32" bytes): %s",
               fx_msg_name(req->nlmsg_type), req->nlmsg_len,
               fx_errname(EINVAL));
        fx_ack(s, req, EINVAL);
        return;
    }
    if ((req->nlmsg_type == XFRM_MSG_GETSA
         || req->nlmsg_type == XFRM_MSG_GETPOLICY)
        && (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
        fx_log("%s dump: not supported: %s", fx_msg_name(req->nlmsg_type),
               fx_errname(EOPNOTSUPP));
        fx_ack(s, req, EOPNOTSUPP);
        return;
    }
    if (policy && fx_policy_kernel) {
        fx_forward(s, req);
        return;
    }

    switch (req->nlmsg_type) {
    case XFRM_MSG_ALLOCSPI:
        fx_allocspi(s, req);
        break;
    case XFRM_MSG_NEWSA:
    case XFRM_MSG_UPDSA:
        fx_add_sa(s, req);
        break;
    case XFRM_MSG_DELSA:
    case XFRM_MSG_GETSA:
        fx_del_get_sa(s, req);
        break;
    case XFRM_MSG_FLUSHSA:
        fx_flush_sa(s, req);
        break;
    case XFRM_MSG_NEWPOLICY:
    case XFRM_MSG_UPDPOLICY:
        fx_add_policy(s, req);
        break;
    case XFRM_MSG_DELPOLICY:
    case XFRM_MSG_GETPOLICY:
        fx_del_get_policy(s, req);
        break;
    case XFRM_MSG_FLUSHPOLICY:
        fx_flush_policy(s, req);
        break;
    case XFRM_MSG_MIGRATE:
        /* What a kernel without CONFIG_XFRM_MIGRATE answers: pluto then
         * knows that MOBIKE cannot work. */
        fx_log("MIGRATE: not supported: %s", fx_errname(ENOPROTOOPT));
        fx_ack(s, req, ENOPROTOOPT);
        break;
    default:
        fx_log("unhandled request %s (type %u, %"PRIu32" bytes): %s",
               fx_msg_name(req->nlmsg_type), req->nlmsg_type,
               req->nlmsg_len, fx_errname(EOPNOTSUPP));
        fx_ack(s, req, EOPNOTSUPP);
        break;
    }
}

/* Gives 's' a port id, as the kernel does when an unbound socket first
 * sends: the process id if it is free, else a negative number. */
static void
fx_autobind(struct fx_sock *s)
{
    uint32_t portid = getpid();

    for (;;) {
        bool used = false;
        for (size_t i = 0; i < FX_MAX_FDS && !used; i++) {
            used = fx_socks[i] && fx_socks[i]->portid == portid;
        }
        if (!used) {
            break;
        }
        portid = (uint32_t) -4097 - fx_autobind_counter++;
    }
    s->portid = portid;
}

/* Processes every request in the 'len' bytes at 'buf' written to 's'. */
static ssize_t
fx_send(struct fx_sock *s, const void *buf, size_t len)
{
    static union {
        struct nlmsghdr n;
        char buf[FX_MAX_MSG];
    } req __attribute__((aligned(8)));

    pthread_mutex_lock(&fx_mutex);
    if (!s->portid) {
        fx_autobind(s);
    }

    size_t ofs = 0;
    while (len - ofs >= sizeof(struct nlmsghdr)) {
        struct nlmsghdr hdr;
        memcpy(&hdr, (const char *) buf + ofs, sizeof hdr);
        if (hdr.nlmsg_len < sizeof hdr || hdr.nlmsg_len > len - ofs
            || hdr.nlmsg_len > sizeof req.buf) {
            fx_log("malformed message (%"PRIu32" bytes of %zu): ignored",
                   hdr.nlmsg_len, len - ofs);
            break;
        }
        memcpy(req.buf, (const char *) buf + ofs, hdr.nlmsg_len);
        fx_handle(s, &req.n);
        ofs += NLMSG_ALIGN(hdr.nlmsg_len);
    }
    pthread_mutex_unlock(&fx_mutex);
    return len;
}
