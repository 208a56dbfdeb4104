/*
 * SANITIZED: 1 in ASan/TSan builds. The sandbox relaxes itself there (no
 * address-space limit: the sanitizers reserve terabytes; refused system calls
 * fail instead of killing the child, and stderr stays open, so reports
 * print), and its tests expect exactly that. The one definition of it.
 */
#ifndef CONVTOOL_SANDBOX_SANITIZED_H
#define CONVTOOL_SANDBOX_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#endif
