ALTER TABLE "agent_runs" ADD COLUMN "wait_reason" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "wait_target" text;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "wait_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "waited_ms" bigint DEFAULT 0 NOT NULL;