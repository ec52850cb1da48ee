/* Linux x86 terminal ioctl requests (uapi/README.md). */
#ifndef _UAPI_ASM_IOCTLS_H
#define _UAPI_ASM_IOCTLS_H

#define TCGETS     0x5401   /* struct termios * */
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCSCTTY  0x540E
#define TIOCNOTTY  0x5422
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413   /* struct winsize * */
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541B   /* int *: bytes ready to read */
#define FIONBIO    0x5421

#endif
