ALTER TABLE "projects" ADD COLUMN "slots" integer;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "last_claimed_at" timestamp with time zone;