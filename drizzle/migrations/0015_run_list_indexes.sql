DROP INDEX "agent_runs_created_idx";--> statement-breakpoint
CREATE INDEX "agent_runs_project_created_idx" ON "agent_runs" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "agent_runs_created_idx" ON "agent_runs" USING btree ("created_at","id");