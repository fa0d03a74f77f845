CREATE TABLE "interaction_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"project_id" uuid,
	"correlation_id" text NOT NULL,
	"kind" text NOT NULL,
	"recipient_login" text,
	"text" text NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"allow_free_text" boolean DEFAULT false NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"response" jsonb,
	"responded_by" text,
	"channel" text,
	"deadline_at" timestamp with time zone,
	"call_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_runs" ADD COLUMN "resume_payload" jsonb;--> statement-breakpoint
ALTER TABLE "interaction_requests" ADD CONSTRAINT "interaction_requests_run_id_agent_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."agent_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "interaction_requests_run_call" ON "interaction_requests" USING btree ("run_id","call_key");--> statement-breakpoint
CREATE INDEX "interaction_requests_state_deadline" ON "interaction_requests" USING btree ("state","deadline_at");--> statement-breakpoint
CREATE INDEX "interaction_requests_recipient" ON "interaction_requests" USING btree ("recipient_login","state");