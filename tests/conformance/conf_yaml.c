/*
 * conf_yaml.c - libyaml document helpers shared by the YAML conformance
 * runners.
 */
#include <string.h>

#include "conf_yaml.h"

/* conf_node_str - the value of a scalar node, NULL for other nodes */
const char *
conf_node_str(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* conf_node_is - whether n is the scalar s */
bool
conf_node_is(const yaml_node_t *n, const char *s)
{
	const char *v = conf_node_str(n);

	return v != NULL && n->data.scalar.length == strlen(s) &&
	    memcmp(v, s, n->data.scalar.length) == 0;
}

/* conf_map_get - the value of key in a mapping node, NULL if absent */
yaml_node_t *
conf_map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (conf_node_is(yaml_document_get_node(doc, p->key), key))
			return yaml_document_get_node(doc, p->value);
	return NULL;
}

/* conf_seq_len - number of items of a sequence node (0 for other nodes) */
size_t
conf_seq_len(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

/* conf_seq_get - item i of a sequence node, NULL past the end */
yaml_node_t *
conf_seq_get(yaml_document_t *doc, const yaml_node_t *n, size_t i)
{
	if (i >= conf_seq_len(n))
		return NULL;
	return yaml_document_get_node(doc, n->data.sequence.items.start[i]);
}
