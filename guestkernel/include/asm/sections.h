#ifndef _ASM_SECTIONS_H
#define _ASM_SECTIONS_H

/* Symbols from linker.ld (virtual addresses). */
extern char _text[], _etext[];
extern char __start_rodata[], __end_rodata[];
extern char _sdata[], _edata[];
extern char __bss_start[], __bss_stop[];
extern char _end[];

#endif
