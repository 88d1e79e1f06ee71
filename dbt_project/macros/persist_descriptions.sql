{#-
  The descriptions of the models that keep their docs in the warehouse (`+persist_docs`: the
  star and the marts) as DuckDB comments, written once at the end of the build for every model
  it built (on-run-end in dbt_project.yml), where dbt writes them model by model: a query for
  the relation's columns, twice, and a statement, per model, ~1 s of a regional build. A model
  that failed keeps its last good table, and that table's comments. Publishing copies the
  comments into the snapshot and its Parquet files (pipelines/publish/describe.py).
-#}
{% macro persist_descriptions(results) %}
  {#- only a command that builds models (not compile or docs generate, whose results are
      compiled nodes, the tables perhaps not there at all) -#}
  {%- if not execute or flags.WHICH not in ('build', 'run') -%}{{ return('') }}{%- endif -%}
  {%- set statements = [] -%}
  {%- for result in results if result.node.resource_type == 'model' and result.status == 'success' -%}
    {%- set node = result.node -%}
    {%- set docs = node.config.get('persist_docs') or {} -%}
    {%- if docs.get('relation') and node.description -%}
      {%- do statements.append(duckdb__alter_relation_comment(
          api.Relation.create(node.database, node.schema, node.alias, type='table'),
          node.description) | trim) -%}
    {%- endif -%}
    {%- if docs.get('columns') -%}
      {%- for column in node.columns.values() if column.description -%}
        {%- do statements.append(
            "comment on column " ~ node.relation_name ~ "."
            ~ (adapter.quote(column.name) if column.quote else column.name)
            ~ " is " ~ duckdb_escape_comment(column.description) ~ ";") -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements | join('\n')) }}
{% endmacro %}
