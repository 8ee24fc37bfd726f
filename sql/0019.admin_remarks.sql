-- Admins write post-completion remarks (`certflow remark`): 0001 turned on
-- row-level security for bootcamp_completion_remarks and 0015 granted INSERT,
-- but no policy let a row through, so every insert was refused.
-- depends: 0015.roles_that_work

CREATE POLICY admin_remarks ON public.bootcamp_completion_remarks
    FOR ALL TO certflow_admin USING (true) WITH CHECK (true);
GRANT SELECT ON public.bootcamp_completion_remarks TO certflow_admin;
