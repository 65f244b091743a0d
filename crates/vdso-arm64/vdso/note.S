/* The kernel version note glibc may read instead of calling uname (Linux's vdso/note.S). */
	.section .note.Linux, "a", %note
	.balign	4
	.long	6			/* name size */
	.long	4			/* descriptor size */
	.long	0			/* type */
	.asciz	"Linux"
	.balign	4
	.long	LINUX_VERSION_CODE

	.section .note.GNU-stack, "", %progbits
