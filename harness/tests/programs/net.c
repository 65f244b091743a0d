/* Sockets: AF_UNIX socketpairs (stream and datagram, SCM_RIGHTS and SCM_CREDENTIALS, scatter/gather
 * sendmsg/recvmsg, MSG_PEEK/MSG_TRUNC, shutdown), a bound AF_UNIX path, a TCP echo over 127.0.0.1
 * between two threads (the server blocks in accept and recv while the client runs), UDP with source
 * addresses, IPv6 when the host has it, poll on sockets, and socket options read back by name
 * (powerpc's SO_RCVLOWAT/SO_PASSCRED/SO_RCVTIMEO numbers differ from the generic ones).
 * Output is deterministic: ports, pids and paths are printed only as comparisons. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(x)                                                                                         \
    do {                                                                                                 \
        if (!(x)) {                                                                                      \
            printf("FAILED %s at line %d (errno %d)\n", #x, __LINE__, errno);                            \
            exit(1);                                                                                     \
        }                                                                                                \
    } while (0)

static void stream_pair(void) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(send(sv[0], "hello", 5, 0) == 5);
    char buf[64] = {0};
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 5);
    printf("stream: %s\n", buf);

    /* Scatter/gather. */
    struct iovec out[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
    struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
    CHECK(sendmsg(sv[0], &m, 0) == 6);
    char x[2], y[10];
    memset(y, 0, sizeof y);
    struct iovec in[2] = {{x, 2}, {y, sizeof y}};
    struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
    ssize_t n = recvmsg(sv[1], &r, 0);
    printf("gather/scatter: %zd [%.2s] [%s] flags=%d\n", n, x, y, r.msg_flags);

    /* SCM_RIGHTS: the read end of a pipe travels over the socket. */
    int p[2];
    CHECK(pipe(p) == 0);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 2)];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec one = {"F", 1};
    struct msghdr s = {.msg_iov = &one, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = CMSG_SPACE(sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&s);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    CHECK(sendmsg(sv[0], &s, 0) == 1);
    close(p[0]);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 2)];
    } rctl;
    char f;
    struct iovec rone = {&f, 1};
    struct msghdr rr = {.msg_iov = &rone, .msg_iovlen = 1, .msg_control = rctl.b, .msg_controllen = sizeof rctl.b};
    CHECK(recvmsg(sv[1], &rr, MSG_CMSG_CLOEXEC) == 1);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rr);
    CHECK(rc != NULL);
    int got;
    memcpy(&got, CMSG_DATA(rc), sizeof got);
    printf("scm_rights: level=%d type=%d len=%zu cloexec=%d\n", rc->cmsg_level, rc->cmsg_type,
           (size_t)rc->cmsg_len, (fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(write(p[1], "through the passed fd", 21) == 21);
    memset(buf, 0, sizeof buf);
    CHECK(read(got, buf, sizeof buf) == 21);
    printf("scm_rights: read %s\n", buf);
    close(got);
    close(p[1]);

    /* SCM_CREDENTIALS with SO_PASSCRED. */
    int on = 1;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vl) == 0);
    printf("SO_PASSCRED: %d\n", v);
    CHECK(send(sv[0], "C", 1, 0) == 1);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct ucred))];
    } cctl;
    struct msghdr cr = {.msg_iov = &rone, .msg_iovlen = 1, .msg_control = cctl.b, .msg_controllen = sizeof cctl.b};
    CHECK(recvmsg(sv[1], &cr, 0) == 1);
    struct cmsghdr *cc = CMSG_FIRSTHDR(&cr);
    CHECK(cc != NULL && cc->cmsg_type == SCM_CREDENTIALS);
    struct ucred uc;
    memcpy(&uc, CMSG_DATA(cc), sizeof uc);
    printf("scm_credentials: pid is mine %d, uid is mine %d, gid is mine %d\n", uc.pid == getpid(),
           uc.uid == getuid(), uc.gid == getgid());

    /* SO_PEERCRED. */
    struct ucred pc;
    socklen_t pl = sizeof pc;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &pl) == 0);
    printf("SO_PEERCRED: len=%u pid is mine %d uid is mine %d\n", (unsigned)pl, pc.pid == getpid(),
           pc.uid == getuid());

    /* shutdown: the peer reads end of file. */
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    printf("after shutdown: recv=%zd\n", recv(sv[1], buf, sizeof buf, 0));
    close(sv[0]);
    close(sv[1]);
}

static void dgram_pair(void) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    CHECK(send(sv[0], "one", 3, 0) == 3);
    CHECK(send(sv[0], "second", 6, 0) == 6);
    char buf[16] = {0};
    printf("dgram peek: %zd\n", recv(sv[1], buf, sizeof buf, MSG_PEEK));
    printf("dgram: %zd %s\n", recv(sv[1], buf, sizeof buf, 0), buf);
    memset(buf, 0, sizeof buf);
    printf("dgram trunc: %zd %.3s\n", recv(sv[1], buf, 3, MSG_TRUNC), buf);
    errno = 0;
    printf("dgram empty, nonblocking: %zd errno=%s\n", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT),
           errno == EAGAIN ? "EAGAIN" : "other");
    close(sv[0]);
    close(sv[1]);
}

static void unix_path(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/harness-net-%d.sock", (int)getpid());
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(s, 4) == 0);
    struct sockaddr_un b;
    socklen_t bl = sizeof b;
    CHECK(getsockname(s, (struct sockaddr *)&b, &bl) == 0);
    printf("unix bound: family=%d same path %d len=%u\n", b.sun_family, strcmp(b.sun_path, path) == 0,
           (unsigned)bl == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    int d = accept(s, NULL, NULL);
    CHECK(d >= 0);
    CHECK(write(c, "via path", 8) == 8);
    char buf[16] = {0};
    CHECK(read(d, buf, sizeof buf) == 8);
    printf("unix path: %s\n", buf);
    struct sockaddr_un pa;
    socklen_t pal = sizeof pa;
    CHECK(getpeername(c, (struct sockaddr *)&pa, &pal) == 0);
    printf("unix peer: same path %d\n", strcmp(pa.sun_path, path) == 0);
    close(c);
    close(d);
    close(s);
    printf("unlink bound path: %d\n", unlink(path));
}

static int listener;
static unsigned short port;

static void *server(void *arg) {
    (void)arg;
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int c = accept4(listener, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    if (c < 0)
        return (void *)1;
    char buf[64];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] -= 32;
        if (send(c, buf, n, 0) != n)
            return (void *)2;
    }
    close(c);
    return (void *)(long)(peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? 0 : 3);
}

static void tcp_echo(void) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    CHECK(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(listener, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(listener, 8) == 0);
    socklen_t al = sizeof a;
    CHECK(getsockname(listener, (struct sockaddr *)&a, &al) == 0);
    port = ntohs(a.sin_port);
    printf("tcp listener: family=%d addr=%s port nonzero %d len=%u\n", a.sin_family, inet_ntoa(a.sin_addr),
           port != 0, (unsigned)al);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(listener, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0);
    printf("SO_ACCEPTCONN: %d\n", v);

    pthread_t t;
    CHECK(pthread_create(&t, NULL, server, NULL) == 0);
    /* Let the server block in accept first. */
    usleep(20000);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    int nd = 1;
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, sizeof nd) == 0);
    nd = 0;
    vl = sizeof nd;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, &vl) == 0);
    printf("TCP_NODELAY: %d\n", nd);
    struct sockaddr_in me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    CHECK(getsockname(c, (struct sockaddr *)&me, &ml) == 0);
    CHECK(getpeername(c, (struct sockaddr *)&peer, &pl) == 0);
    printf("tcp client: peer port is the listener's %d, own port differs %d\n", ntohs(peer.sin_port) == port,
           me.sin_port != peer.sin_port);
    const char *words[] = {"ping", "hello world", "last"};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(words[i]);
        CHECK(send(c, words[i], len, 0) == (ssize_t)len);
        char buf[64] = {0};
        size_t got = 0;
        while (got < len) {
            struct pollfd p = {.fd = c, .events = POLLIN};
            CHECK(poll(&p, 1, 5000) == 1);
            ssize_t n = recv(c, buf + got, sizeof buf - 1 - got, 0);
            CHECK(n > 0);
            got += n;
        }
        printf("tcp echo: %s -> %s\n", words[i], buf);
    }
    CHECK(shutdown(c, SHUT_WR) == 0);
    void *ret;
    CHECK(pthread_join(t, &ret) == 0);
    printf("tcp server thread: %ld\n", (long)ret);
    close(c);
    close(listener);
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, sb = sa;
    CHECK(bind(a, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(bind(b, (struct sockaddr *)&sb, sizeof sb) == 0);
    socklen_t l = sizeof sa;
    CHECK(getsockname(a, (struct sockaddr *)&sa, &l) == 0);
    l = sizeof sb;
    CHECK(getsockname(b, (struct sockaddr *)&sb, &l) == 0);
    printf("udp nonblocking flag: %d\n", (fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
    CHECK(sendto(b, "datagram", 8, 0, (struct sockaddr *)&sa, sizeof sa) == 8);
    struct pollfd p = {.fd = a, .events = POLLIN};
    CHECK(poll(&p, 1, 5000) == 1);
    printf("udp poll: revents=%#x\n", p.revents);
    char buf[32] = {0};
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("udp: %zd %s from the sender's port %d len=%u\n", n, buf, from.sin_port == sb.sin_port, (unsigned)fl);
    errno = 0;
    printf("udp empty: %zd %s\n", recv(a, buf, sizeof buf, 0), errno == EAGAIN ? "EAGAIN" : "other");
    /* sendmmsg/recvmmsg */
    struct iovec iv[2] = {{"m1", 2}, {"msg2", 4}};
    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 2; i++) {
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &sa;
        mm[i].msg_hdr.msg_namelen = sizeof sa;
    }
    printf("sendmmsg: %d lens %u %u\n", sendmmsg(b, mm, 2, 0), mm[0].msg_len, mm[1].msg_len);
    char r1[8] = {0}, r2[8] = {0};
    struct iovec ri[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 2; i++) {
        rm[i].msg_hdr.msg_iov = &ri[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    usleep(10000);
    printf("recvmmsg: %d %u:%s %u:%s\n", recvmmsg(a, rm, 2, MSG_DONTWAIT, NULL), rm[0].msg_len, r1, rm[1].msg_len,
           r2);
    close(a);
    close(b);
}

static void ipv6(void) {
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("ipv6: unavailable on this host\n");
        if (s >= 0)
            close(s);
        return;
    }
    socklen_t l = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &l) == 0);
    char txt[64];
    inet_ntop(AF_INET6, &a.sin6_addr, txt, sizeof txt);
    printf("ipv6: family=%d addr=%s scope=%u len=%u\n", a.sin6_family, txt, a.sin6_scope_id, (unsigned)l);
    int v6 = -1;
    socklen_t vl = sizeof v6;
    CHECK(getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6, &vl) == 0);
    CHECK(sendto(s, "six", 3, 0, (struct sockaddr *)&a, sizeof a) == 3);
    char buf[8] = {0};
    struct sockaddr_in6 from;
    socklen_t fl = sizeof from;
    printf("ipv6 udp: %zd %s same port %d\n", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), buf,
           from.sin6_port == a.sin6_port);
    close(s);
}

static void options(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int v;
    socklen_t l;
#define GET(level, name)                                                                                 \
    do {                                                                                                 \
        v = -1;                                                                                          \
        l = sizeof v;                                                                                    \
        int r = getsockopt(s, level, name, &v, &l);                                                      \
        printf("%s: r=%d v=%d len=%u\n", #name, r, v, (unsigned)l);                                      \
    } while (0)
#define SET(level, name, val)                                                                            \
    do {                                                                                                 \
        int x = (val);                                                                                   \
        printf("set %s=%d: %d\n", #name, x, setsockopt(s, level, name, &x, sizeof x));                   \
    } while (0)
    GET(SOL_SOCKET, SO_TYPE);
    GET(SOL_SOCKET, SO_DOMAIN);
    GET(SOL_SOCKET, SO_PROTOCOL);
    GET(SOL_SOCKET, SO_ERROR);
    GET(SOL_SOCKET, SO_ACCEPTCONN);
    GET(SOL_SOCKET, SO_KEEPALIVE);
    SET(SOL_SOCKET, SO_KEEPALIVE, 1);
    GET(SOL_SOCKET, SO_KEEPALIVE);
    GET(SOL_SOCKET, SO_RCVLOWAT);
    SET(SOL_SOCKET, SO_RCVLOWAT, 7);
    GET(SOL_SOCKET, SO_RCVLOWAT);
    GET(SOL_SOCKET, SO_SNDLOWAT);
    SET(SOL_SOCKET, SO_RCVBUF, 65536);
    GET(SOL_SOCKET, SO_RCVBUF);
    SET(SOL_SOCKET, SO_REUSEADDR, 1);
    GET(SOL_SOCKET, SO_REUSEADDR);
    SET(IPPROTO_TCP, TCP_KEEPIDLE, 77);
    GET(IPPROTO_TCP, TCP_KEEPIDLE);
    SET(IPPROTO_IP, IP_TTL, 33);
    GET(IPPROTO_IP, IP_TTL);
    struct linger lg = {1, 5}, lg2 = {0, 0};
    printf("set SO_LINGER: %d\n", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    l = sizeof lg2;
    printf("SO_LINGER: %d {%d, %d} len=%u\n", getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &l), lg2.l_onoff,
           lg2.l_linger, (unsigned)l);
    struct timeval tv = {2, 500000}, tv2 = {0, 0};
    printf("set SO_RCVTIMEO: %d\n", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    l = sizeof tv2;
    printf("SO_RCVTIMEO: %d {%ld, %ld} len=%u\n", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &l),
           (long)tv2.tv_sec, (long)tv2.tv_usec, (unsigned)l);
    errno = 0;
    printf("unknown level: %d %s\n", getsockopt(s, 9999, 1, &v, &l), errno == ENOPROTOOPT ? "ENOPROTOOPT" : "other");
    close(s);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    stream_pair();
    dgram_pair();
    unix_path();
    tcp_echo();
    udp();
    ipv6();
    options();
    printf("done\n");
    return 0;
}
