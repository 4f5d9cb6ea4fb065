/*
 * pending.c -- entry points of the public API whose implementation has not
 * landed yet.  Each reports that plainly; this file shrinks to nothing as
 * the issues that own these functions are done.
 */
#include "graph/graph.h"

#define PENDING(name) "%s is not available yet", name

