"""Records that nest (groups in sub-groups, countries in states): "this node or anything
beneath it", for filters and for counts.

Trees are kept shallow, so that the subtree of a node is one SQL condition rather than
a recursive walk.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q

MAX_TREE_DEPTH = 4


def children_map(nodes, parent_field):
    """{parent's key: [its children]} for `nodes`; the roots are under None."""
    children = defaultdict(list)
    for node in nodes:
        children[getattr(node, f"{parent_field}_id")].append(node)
    return children


def subtree_keys(children, root):
    """`root` and every key beneath it, given a map from each key to its children's keys."""
    found, pending = set(), [root]
    while pending:
        key = pending.pop()
        if key not in found:
            found.add(key)
            pending.extend(children.get(key, ()))
    return found


def in_subtrees(parent_field, roots):
    """A condition for the records that are one of `roots` or lie beneath one."""
    keys = [root.pk for root in roots]
    condition = Q(pk__in=keys)
    path = parent_field
    for _level in range(MAX_TREE_DEPTH):
        condition |= Q(**{f"{path}__in": keys})
        path = f"{path}__{parent_field}"
    return condition


def check_not_own_ancestor(record, parent_field, message):
    """Raise if following `parent_field` from `record` leads back to it."""
    seen = set()
    ancestor = getattr(record, parent_field)
    while ancestor is not None and ancestor.pk not in seen:
        if record.pk is not None and ancestor.pk == record.pk:
            raise ValidationError({parent_field: message})
        seen.add(ancestor.pk)
        ancestor = getattr(ancestor, parent_field)


def depth(record, parent_field):
    """How many ancestors `record` has, counting no further than MAX_TREE_DEPTH + 1."""
    levels, ancestor = 0, getattr(record, parent_field)
    while ancestor is not None and levels <= MAX_TREE_DEPTH:
        levels, ancestor = levels + 1, getattr(ancestor, parent_field)
    return levels
