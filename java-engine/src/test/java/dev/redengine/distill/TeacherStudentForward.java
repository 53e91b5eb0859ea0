package dev.redengine.distill;

import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;

/** The teacher's and the student's forward passes on the same ids, for computing loss terms apart from the Distiller. */
record TeacherStudentForward(Activations teacher, Activations student) {

    /** Both models forward on ids [batch * seqLen], the student with its current trainable weights. */
    static TeacherStudentForward of(CausalLM teacher, Student student, int[] ids, int batch, int seqLen) {
        student.beginStep();
        CausalLM m = student.model();
        Activations a = m.allocateActivations(batch, seqLen), ta = teacher.allocateActivations(batch, seqLen);
        teacher.setInput(ta, ids);
        teacher.forward(ta);
        m.setInput(a, ids);
        m.forward(a);
        return new TeacherStudentForward(ta, a);
    }
}
