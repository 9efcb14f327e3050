/**
 * When a database change in cdktf.json takes effect. RDS ModifyDBInstance applies a new instance
 * class, Multi-AZ or storage size at the next maintenance window unless ApplyImmediately is set
 * (botocore rds ModifyDBInstance.ApplyImmediately; https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Modifying.html),
 * while the capacity gate and the connections alarm count the class written in the stack at once.
 * One line per database instance of the synthesized stacks says which applies.
 */
export function databaseChangeNotes(stacks: Record<string, Record<string, any>>): string[] {
  const notes: string[] = [];
  for (const [stack, json] of Object.entries(stacks)) {
    for (const instance of Object.values<Record<string, any>>(json.resource?.aws_db_instance ?? {})) {
      const what = `${stack}: database ${instance.identifier} (${instance.instance_class}, Multi-AZ ${instance.multi_az ? "on" : "off"}, ${instance.allocated_storage} GiB)`;
      notes.push(
        instance.apply_immediately === true
          ? `${what}: applyImmediately true: a class, Multi-AZ or storage change is applied by the deploy that ships it (a failover or restart of a few minutes then).`
          : `${what}: applyImmediately false: a class, Multi-AZ or storage change waits for the weekly maintenance window; until then the instance runs its old class while the database connections row counts the new one.`,
      );
    }
  }
  return notes;
}
