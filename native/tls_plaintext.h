/* The OpenSSL functions whose plaintext is captured, shared by the uprobe programs and the
 * loader that attaches them (the id travels as the probe's BPF cookie). */
#ifndef FLOWLENS_TLS_PLAINTEXT_H
#define FLOWLENS_TLS_PLAINTEXT_H

enum fl_tls_function {
	FL_TLS_FN_READ = 1,     /* int SSL_read(SSL *, void *buf, int num): returns bytes read */
	FL_TLS_FN_READ_EX,      /* int SSL_read_ex(SSL *, void *buf, size_t num, size_t *readbytes): returns 1 */
	FL_TLS_FN_WRITE,        /* int SSL_write(SSL *, const void *buf, int num): returns bytes written */
	FL_TLS_FN_WRITE_EX,     /* int SSL_write_ex(SSL *, const void *buf, size_t num, size_t *written): returns 1 */
	FL_TLS_FN_END
};

#endif
