#ifndef SLUICE_READINESS_H
#define SLUICE_READINESS_H

#include <stdint.h>

// One epoll instance for the event loop (Sources/Sluice/Reading/EventLoop.swift), through plain
// functions: Glibc's Swift module has no <sys/epoll.h>, and `struct epoll_event` is packed.
// Every registration waits for input or its end, once (EPOLLONESHOT): re-arm with
// sluice_readiness_arm. Each returns what the system call does (-1 with errno on failure).

/// epoll_create1(EPOLL_CLOEXEC).
int sluice_readiness_create(void);
/// Adds `fd`, armed, its events carrying `key`.
int sluice_readiness_add(int epfd, int fd, uint64_t key);
/// Arms `fd` again (after it fired).
int sluice_readiness_arm(int epfd, int fd, uint64_t key);
/// Removes `fd` (before it is closed).
int sluice_readiness_remove(int epfd, int fd);
/// Collects up to `capacity` keys of registrations that fired, without waiting.
int sluice_readiness_collect(int epfd, uint64_t *keys, int capacity);

#endif
