/*
 * rusage-run: run a command, wait for it with wait4 and write "<peak RSS KiB> <exit code>" to a file.
 *
 * Why a separate launcher: Linux records the old address space's high-water RSS into the process's
 * maxrss at execve. A child spawned straight from jailbird-bench would inherit the benchmark's own
 * peak (tens of MiB after generating and slicing logs) as its floor. Spawned from this tiny program,
 * the floor is this program's RSS (about 1 MiB), as with GNU time.
 *
 *   cc -O2 bench/rusage-run.c -o .build/rusage-run
 *   .build/rusage-run RESULT_FILE CMD [ARGS...]      (stdin/stdout/stderr are passed through)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s RESULT_FILE CMD [ARGS...]\n", argv[0]);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("wait4");
            return 127;
        }
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 127;
    }
    fprintf(out, "%ld %d\n", usage.ru_maxrss, code);
    fclose(out);
    return code;
}
