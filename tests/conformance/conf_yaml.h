/*
 * conf_yaml.h - libyaml document helpers shared by the YAML conformance
 * runners (spf_suite, dmarc_suite).
 */
#ifndef MAUTH_CONF_YAML_H
#define MAUTH_CONF_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

/* conf_node_str - the value of a scalar node, NULL for other nodes */
const char	*conf_node_str(const yaml_node_t *n);

/* conf_node_is - whether n is the scalar s */
bool		 conf_node_is(const yaml_node_t *n, const char *s);

/* conf_map_get - the value of key in a mapping node, NULL if absent */
yaml_node_t	*conf_map_get(yaml_document_t *doc, const yaml_node_t *map,
		    const char *key);

/* conf_seq_len - number of items of a sequence node (0 for other nodes) */
size_t		 conf_seq_len(const yaml_node_t *n);

/* conf_seq_get - item i of a sequence node, NULL past the end */
yaml_node_t	*conf_seq_get(yaml_document_t *doc, const yaml_node_t *n,
		    size_t i);

#endif
