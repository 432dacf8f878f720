#include "Readiness.h"

#include <errno.h>
#include <sys/epoll.h>

#define SLUICE_READABLE (EPOLLIN | EPOLLRDHUP | EPOLLONESHOT)

int sluice_readiness_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int control(int epfd, int op, int fd, uint64_t key) {
    struct epoll_event event = { .events = SLUICE_READABLE, .data = { .u64 = key } };
    return epoll_ctl(epfd, op, fd, &event);
}

int sluice_readiness_add(int epfd, int fd, uint64_t key) { return control(epfd, EPOLL_CTL_ADD, fd, key); }

int sluice_readiness_arm(int epfd, int fd, uint64_t key) { return control(epfd, EPOLL_CTL_MOD, fd, key); }

int sluice_readiness_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, 0); }

int sluice_readiness_collect(int epfd, uint64_t *keys, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int n;
    do { n = epoll_wait(epfd, events, capacity, 0); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) keys[i] = events[i].data.u64;
    return n;
}
